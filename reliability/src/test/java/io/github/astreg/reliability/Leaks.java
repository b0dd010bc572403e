package io.github.astreg.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Thread and socket inventory of this JVM, to prove that {@code close()} released everything: threads
 * are compared by identity with a baseline, sockets by inode ({@code /proc/self/fd} links of the form
 * {@code socket:[inode]}), and leaked sockets are described from {@code /proc/self/net/tcp[6]}.
 */
final class Leaks {
    private static final Pattern SOCKET = Pattern.compile("socket:\\[(\\d+)]");
    /** Threads the JVM, JUnit, jqwik or surefire may start at any time; never ours. */
    private static final List<String> FOREIGN = List.of(
            "Attach Listener",
            "Common-Cleaner",
            "Reference Handler",
            "Finalizer",
            "Signal Dispatcher",
            "process reaper",
            "ForkJoinPool.commonPool",
            "surefire",
            "junit",
            "jqwik",
            "Notification Thread",
            "C1 ",
            "C2 ",
            "JFR",
            "MainTestRunner");

    private final Set<Thread> threads;
    private final Set<String> sockets;

    private Leaks(Set<Thread> threads, Set<String> sockets) {
        this.threads = threads;
        this.sockets = sockets;
    }

    /** The threads and sockets alive now. */
    static Leaks baseline() {
        return new Leaks(new HashSet<>(Thread.getAllStackTraces().keySet()), socketInodes());
    }

    /** Live threads that did not exist at the baseline and are not the JVM's or the test runner's. */
    List<String> newThreads() {
        List<String> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive()
                    && !threads.contains(t)
                    && FOREIGN.stream().noneMatch(f -> t.getName().startsWith(f))) {
                out.add(t.getName() + (t.isDaemon() ? " (daemon)" : "") + " " + t.getState());
            }
        }
        return out;
    }

    /** Socket inodes open now that were not open at the baseline (empty where /proc is absent). */
    Set<String> newSockets() {
        Set<String> now = socketInodes();
        now.removeAll(sockets);
        return now;
    }

    /** The {@code /proc/self/net/tcp[6]} lines of the given socket inodes, for failure messages. */
    static List<String> describe(Set<String> inodes) {
        List<String> out = new ArrayList<>();
        for (String f : List.of("tcp", "tcp6", "udp", "udp6")) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/net/" + f))) {
                    String[] cols = line.trim().split("\\s+");
                    if (cols.length > 9 && inodes.contains(cols[9])) {
                        out.add(f + " " + cols[1] + " -> " + cols[2] + " state " + cols[3] + " (hex)");
                    }
                }
            } catch (IOException e) {
                // not Linux: nothing to describe
            }
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/net/unix"))) {
                String[] cols = line.trim().split("\\s+");
                if (cols.length > 6 && inodes.contains(cols[6])) {
                    out.add("unix " + line.trim());
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        if (out.size() < inodes.size()) {
            out.add((inodes.size() - out.size())
                    + " socket(s) in no table: created but never bound or connected (a failed connect)");
        }
        return out;
    }

    /** Whether socket inodes can be read here (Linux). */
    static boolean socketsVisible() {
        return Files.isDirectory(Path.of("/proc/self/fd"));
    }

    /** Every socket inode among this process's file descriptors. */
    static Set<String> socketInodes() {
        Set<String> out = new HashSet<>();
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return out;
        }
        try (Stream<Path> list = Files.list(fds)) {
            list.forEach(p -> {
                try {
                    Matcher m = SOCKET.matcher(Files.readSymbolicLink(p).toString());
                    if (m.matches()) {
                        out.add(m.group(1));
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // closed while listing (the listing's own descriptor, for one)
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/fd", e);
        }
        return out;
    }

    /** A short dump of the given threads' stacks, for failure messages. */
    static String dump(List<String> names) {
        StringBuilder sb = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, st) -> {
            if (names.stream().anyMatch(n -> n.startsWith(t.getName() + " ") || n.equals(t.getName()))) {
                sb.append('\n').append(t.getName()).append(' ').append(t.getState());
                for (int i = 0; i < Math.min(10, st.length); i++) {
                    sb.append("\n    at ").append(st[i]);
                }
            }
        });
        return sb.toString();
    }
}
