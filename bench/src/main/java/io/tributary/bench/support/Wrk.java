package io.tributary.bench.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One wrk run ({@code wrk -t1 -cC -dDs --latency URL}) after a warm-up run with the same
 * parameters, with the server process's CPU seconds over the measured run.
 */
public record Wrk(double rps, double transferBps, long requests, long errors, String p50, String p99, double serverCpu,
                  double seconds) {

    public double cores() {
        return serverCpu / seconds;
    }

    public static Wrk run(String url, int conns, int warmupSeconds, int seconds, long serverPid) throws Exception {
        if (warmupSeconds > 0) {
            exec(url, conns, warmupSeconds);
        }
        double cpu0 = cpuSeconds(serverPid);
        String out = exec(url, conns, seconds);
        double cpu = cpuSeconds(serverPid) - cpu0;
        System.out.println(out);
        long errors = 0;
        Matcher m = Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(out);
        if (m.find()) {
            errors += Long.parseLong(m.group(1));
        }
        m = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)").matcher(out);
        if (m.find()) {
            for (int i = 1; i <= 4; i++) {
                errors += Long.parseLong(m.group(i));
            }
        }
        return new Wrk(Double.parseDouble(find(out, "Requests/sec:\\s+([0-9.]+)")),
                bytes(find(out, "Transfer/sec:\\s+([0-9.]+[KMGT]?B)")), Long.parseLong(find(out, "(\\d+) requests in")),
                errors, find(out, "\\n\\s+50%\\s+(\\S+)"), find(out, "\\n\\s+99%\\s+(\\S+)"), cpu, seconds);
    }

    private static String exec(String url, int conns, int seconds) throws Exception {
        Process p = new ProcessBuilder("wrk", "-t1", "-c" + conns, "-d" + seconds + "s", "--latency", url)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(seconds + 30L, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("wrk did not finish");
        }
        return out;
    }

    /** user+system CPU seconds of a process and its children (nginx workers), from /proc. */
    static double cpuSeconds(long pid) {
        List<Long> pids = new ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(h -> h.children().forEach(c -> pids.add(c.pid())));
        double total = 0;
        for (long p : pids) {
            try {
                String stat = Files.readString(Path.of("/proc/" + p + "/stat"));
                String[] fs = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                total += (Long.parseLong(fs[11]) + Long.parseLong(fs[12])) / 100.0;
            } catch (IOException | RuntimeException e) {
                // gone
            }
        }
        return total;
    }

    private static String find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no " + regex + " in wrk output:\n" + text);
        }
        return m.group(1);
    }

    private static double bytes(String s) {
        String num = s.substring(0, s.length() - 1);
        char u = num.isEmpty() ? 'B' : num.charAt(num.length() - 1);
        double mult = 1;
        if (Character.isLetter(u)) {
            num = num.substring(0, num.length() - 1);
            mult = switch (u) {
                case 'K' -> 1024;
                case 'M' -> 1024 * 1024;
                case 'G' -> 1024.0 * 1024 * 1024;
                case 'T' -> 1024.0 * 1024 * 1024 * 1024;
                default -> 1;
            };
        }
        return Double.parseDouble(num) * mult;
    }
}
