# Decode speed against context position (docs/performance.md).
# usage: gnuplot -e "data='docs/perf/context-110m.dat'; out='docs/perf/context-110m.png'; title_='...'" docs/perf/context.gp
# data columns: position, lolcat.h LoLCATs hybrid, lolcat.h softmax, llama.cpp softmax (tok/s; '?' = not measured)
if (!exists("data")) data = 'docs/perf/context-110m.dat'
if (!exists("out")) out = 'docs/perf/context-110m.png'
if (!exists("title_")) title_ = 'decode speed vs context'
set terminal pngcairo size 900,560 font ",11"
set output out
set title title_
set datafile missing '?'
set logscale x 2
set xrange [200:40000]
set xlabel 'context position (tokens already in the sequence)'
set ylabel 'decode tokens / s'
set yrange [0:*]
set grid
set key bottom left
set xtics ("256" 256, "1k" 1024, "2k" 2048, "4k" 4096, "8k" 8192, "16k" 16384, "32k" 32768)
plot data using 1:2 with linespoints lw 2 pt 7 title 'lolcat.h, LoLCATs hybrid (w=64, F=64)', \
     data using 1:3 with linespoints lw 2 pt 5 title 'lolcat.h, same shape, softmax', \
     data using 1:4 with linespoints lw 2 pt 9 title 'llama.cpp, same softmax GGUF'
