# Section 2's plot, drawn by tests/bench/run:
#   gnuplot -e "data='FILE'; out='table-size.svg'" tests/bench/table_size.gp
# FILE has one line a table size: prefixes, then ns per packet of
# portcullis XDP through BPF_PROG_TEST_RUN (IPv4 TCP/25 drop, IPv4 business
# pass), then ns per frame on the real path (portcullis XDP, nftables,
# iptables); "?" where a size was not measured.
set terminal svg size 900,560 dynamic enhanced font "sans,13" background rgb "white"
set output out
set datafile missing "?"
set title "Table size: ns per packet, ISP policy, IPv4 TCP/25 SYN"
set xlabel "business prefixes (log)"
set ylabel "ns per packet (log)"
set logscale xy 10
set format x "10^{%L}"
set format y "10^{%L}"
set grid xtics ytics
set key top left Left reverse box opaque
set offsets graph 0.05, graph 0.05, 0, 0
plot data using 1:2 with linespoints lw 2 pt 7 lc rgb "#1f4e9c" title "portcullis XDP, test run, drop", \
     ''   using 1:3 with linespoints lw 2 pt 5 dt 2 lc rgb "#5b9bd5" title "portcullis XDP, test run, business pass", \
     ''   using 1:4 with linespoints lw 2 pt 9 lc rgb "#2e8b57" title "portcullis XDP, real path, drop", \
     ''   using 1:5 with linespoints lw 2 pt 11 lc rgb "#d2691e" title "nftables netdev ingress, real path", \
     ''   using 1:6 with linespoints lw 2 pt 13 lc rgb "#b22222" title "iptables raw PREROUTING, real path"
