package io.github.astreg.benchmarks.ab;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A same-process A/B of two builds of astreg on one core benchmark, for hosts too noisy for two
 * separate JMH runs to be compared (the shared 2-vCPU machines here swing by ±30 % within minutes,
 * more than most changes are worth).
 *
 * <p>Both builds' {@code benchmarks.jar} are loaded in one JVM, each in its own class loader, and
 * their operation runs in alternating slices (default 200 ms) after a warm-up, so whatever the host
 * does to one slice it does to the next. Each build runs as two copies set up in the order A B B A,
 * and each round runs them in that order or its mirror, so neither build is favoured by being set
 * up or run later. It prints the ratio B/A of the total operations, and the median and quartiles of
 * the per-round ratios. An A/A run (the same jar twice) shows what the host's noise alone gives.
 *
 * <pre>
 * java -jar benchmarks.jar ab OLD/benchmarks.jar NEW/benchmarks.jar mix [--slices 100] [--slice-ms 200]
 *      [--warmup-s 10] [--endpoints 10000]
 * </pre>
 *
 * A and B are each a {@code benchmarks.jar} or a class path ({@code java -cp} syntax). The driver
 * loop ({@link Slices}) is always the running jar's, in each side's loader; the benchmark classes and
 * everything they use come from the side's own build.
 */
public final class Interleaved {
    private Interleaved() {}

    /** Entry point of {@code benchmarks.jar ab}; returns the process exit code. */
    public static int run(String[] args) throws Exception {
        List<String> positional = new ArrayList<>();
        int slices = 100;
        long sliceMs = 200;
        long warmupS = 10;
        int endpoints = 10_000;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--") && i + 1 >= args.length) {
                System.err.println(a + " needs a value");
                return 2;
            }
            switch (a) {
                case "--slices" -> slices = Integer.parseInt(args[++i]);
                case "--slice-ms" -> sliceMs = Long.parseLong(args[++i]);
                case "--warmup-s" -> warmupS = Long.parseLong(args[++i]);
                case "--endpoints" -> endpoints = Integer.parseInt(args[++i]);
                default -> positional.add(a);
            }
        }
        if (positional.size() != 3 || slices < 2 || sliceMs < 1 || warmupS < 0 || endpoints < 1) {
            System.err.println(
                    "usage: ab A.jar B.jar OPERATION [--slices N>=2] [--slice-ms MS] [--warmup-s S]"
                            + " [--endpoints N]\n  OPERATION: mix, contactRefresh, deviceState, locate, locateCoarse, decodeContact, decodeDevice");
            return 2;
        }
        List<URL> a;
        List<URL> b;
        try {
            a = classPath(positional.get(0));
            b = classPath(positional.get(1));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        String op = positional.get(2);
        // two copies of each build, set up in the order A B B A: the side set up later gets the later
        // heap and code cache and ran ~5 % faster in A/A runs here; the mirror cancels that
        Side a1;
        Side b1;
        Side b2;
        Side a2;
        try {
            a1 = new Side("A1", a, op, endpoints);
            b1 = new Side("B1", b, op, endpoints);
            b2 = new Side("B2", b, op, endpoints);
            a2 = new Side("A2", a, op, endpoints);
        } catch (java.lang.reflect.InvocationTargetException e) {
            System.err.println("cannot set up " + op + ": " + e.getCause().getMessage());
            return 2;
        }
        Side[] forward = {a1, b1, b2, a2};
        Side[] backward = {a2, b2, b1, a1};
        long slice = sliceMs * 1_000_000L;
        long warmEnd = System.nanoTime() + warmupS * 1_000_000_000L;
        while (System.nanoTime() < warmEnd) {
            for (Side s : forward) {
                s.run(slice);
            }
        }
        long totalA = 0;
        long totalB = 0;
        double[] ratios = new double[slices];
        for (int i = 0; i < slices; i++) {
            for (Side s : (i & 1) == 0 ? forward : backward) {
                s.ops = s.run(slice);
            }
            long x = a1.ops + a2.ops;
            long y = b1.ops + b2.ops;
            totalA += x;
            totalB += y;
            ratios[i] = (double) y / x;
        }
        java.util.Arrays.sort(ratios);
        double seconds = 2 * slices * sliceMs / 1000.0;
        System.out.printf(
                Locale.ROOT,
                "%s, %d endpoints, %d rounds of 4 x %d ms slices (A B B A) after %d s of warm-up%n"
                        + "  A %s: %.0f ops/s%n  B %s: %.0f ops/s%n"
                        + "  B/A %.3f (totals); per round: median %.3f, quartiles %.3f .. %.3f%n",
                op,
                endpoints,
                slices,
                sliceMs,
                warmupS,
                positional.get(0),
                totalA / seconds,
                positional.get(1),
                totalB / seconds,
                (double) totalB / totalA,
                ratios[slices / 2],
                ratios[slices / 4],
                ratios[(3 * slices) / 4]);
        for (Side side : forward) {
            side.close();
        }
        return 0;
    }

    /** A build's class path: a {@code benchmarks.jar}, or entries separated like {@code java -cp}'s. */
    static List<URL> classPath(String spec) {
        List<URL> urls = new ArrayList<>();
        for (String entry : spec.split(java.io.File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path p = Path.of(entry);
            if (!Files.exists(p)) {
                throw new IllegalArgumentException("not found: " + p);
            }
            try {
                urls.add(p.toUri().toURL());
            } catch (java.net.MalformedURLException e) {
                throw new IllegalArgumentException("not a usable path: " + p, e);
            }
        }
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("empty class path: '" + spec + "'");
        }
        return urls;
    }

    /**
     * A build's classes, with the platform loader as parent so that nothing of astreg is shared
     * between sides, except {@link Slices}: that driver is always this jar's, defined anew in each
     * side's loader, so it links against the side's own benchmark classes. Builds older than a
     * benchmark operation can thus still be compared on it.
     */
    private static final class SideLoader extends URLClassLoader {
        SideLoader(String name, List<URL> classPath) {
            super(name, classPath.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.equals(Slices.class.getName())) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    String resource = "/" + name.replace('.', '/') + ".class";
                    try (var in = Interleaved.class.getResourceAsStream(resource)) {
                        if (in == null) {
                            throw new ClassNotFoundException(name);
                        }
                        byte[] bytes = in.readAllBytes();
                        c = defineClass(name, bytes, 0, bytes.length);
                    } catch (java.io.IOException e) {
                        throw new ClassNotFoundException(name, e);
                    }
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }

    /** One build: its class loader and its {@link Slices}. */
    private static final class Side {
        private final URLClassLoader loader;
        private final Object slices;
        private final Method runFor;
        private final Method close;
        /** Operations in the current round's slice. */
        long ops;

        Side(String name, List<URL> classPath, String op, int endpoints) throws Exception {
            loader = new SideLoader("ab-" + name, classPath);
            Class<?> c = Class.forName(Slices.class.getName(), true, loader);
            Constructor<?> ctor = c.getConstructor(String.class, int.class);
            slices = ctor.newInstance(op, endpoints);
            runFor = c.getMethod("runFor", long.class);
            close = c.getMethod("close");
        }

        long run(long nanos) throws Exception {
            return (Long) runFor.invoke(slices, nanos);
        }

        void close() throws Exception {
            close.invoke(slices);
            loader.close();
        }
    }
}
