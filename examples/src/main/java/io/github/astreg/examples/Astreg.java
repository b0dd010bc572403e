package io.github.astreg.examples;

import io.github.astreg.core.AstregException;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.pipeline.PipelineConfig;
import io.github.astreg.core.registry.Durations;
import io.github.astreg.core.registry.RegistryConfig;
import io.github.astreg.examples.config.ConfigException;
import io.github.astreg.examples.config.ConfigLoader;
import io.github.astreg.examples.config.RunnerConfig;
import io.github.astreg.examples.config.StoreSettings;
import io.github.astreg.examples.demo.Demo;
import io.github.astreg.examples.demo.DemoOptions;
import io.github.astreg.examples.run.AdapterFactory;
import io.github.astreg.examples.run.Adapters;
import io.github.astreg.examples.run.PreparedStore;
import io.github.astreg.examples.run.Runner;
import io.github.astreg.examples.run.StoreKind;
import io.github.astreg.examples.run.StoreUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The {@code astreg} command line: {@code demo}, {@code run}, {@code locate}.
 *
 * <pre>
 * java -jar astreg.jar demo [--port N] [--once]
 * java -jar astreg.jar run --config astreg.yaml
 * java -jar astreg.jar locate PJSIP/1001 --jdbc URL | --redis URI
 * </pre>
 *
 * <p>Exit status: 0 success (also after Ctrl-C or SIGTERM: sources closed, sinks flushed); 1 the
 * endpoint is registered nowhere ({@code locate}); 2 bad usage or configuration; 3 a store is
 * unreachable or something else failed. Errors are one clear message on standard error, with a
 * stack trace only under {@code --debug}.
 */
public final class Astreg {
    /** Success. */
    public static final int OK = 0;
    /** {@code locate}: registered nowhere. */
    public static final int NOT_FOUND = 1;
    /** Bad usage or configuration. */
    public static final int USAGE = 2;
    /** A store is unreachable, or something else failed. */
    public static final int FAILURE = 3;

    private static final Map<String, Map<String, Boolean>> OPTIONS = Map.of(
            "demo",
            Map.of(
                    "--port", true,
                    "--once", false,
                    "--seed", true,
                    "--phones", true,
                    "--timeout", true,
                    "--no-ansi", false),
            "run",
            Map.of("--config", true),
            "locate",
            Map.of(
                    "--jdbc", true,
                    "--redis", true,
                    "--user", true,
                    "--password-env", true,
                    "--prefix", true));

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final AdapterFactory adapters;
    private final boolean interactive;
    private boolean debug;

    /**
     * A command line writing to {@code out} and {@code err}.
     *
     * @param env the environment ({@code ${VAR}} in configs, {@code --password-env})
     * @param adapters builds sources and stores ({@link Adapters} in the real runner)
     * @param interactive whether long-running commands may wait for Ctrl-C (false in tests)
     */
    public Astreg(
            PrintStream out, PrintStream err, Map<String, String> env, AdapterFactory adapters, boolean interactive) {
        this.out = Objects.requireNonNull(out, "out");
        this.err = Objects.requireNonNull(err, "err");
        this.env = Map.copyOf(env);
        this.adapters = Objects.requireNonNull(adapters, "adapters");
        this.interactive = interactive;
    }

    public static void main(String[] args) {
        for (String a : args) {
            if (a.equals("--debug")) {
                System.setProperty("org.slf4j.simpleLogger.log.io.github.astreg", "debug");
            }
        }
        int code = new Astreg(System.out, System.err, System.getenv(), new Adapters(), true).execute(args);
        System.out.flush();
        System.exit(code);
    }

    /** Runs one command line; returns the exit status. Long-running commands return on shutdown only. */
    public int execute(String... args) {
        debug = List.of(args).contains("--debug");
        try {
            return dispatch(args);
        } catch (UsageException e) {
            err.println("astreg" + (e.command == null ? "" : " " + e.command) + ": " + e.getMessage());
            err.println("Run 'astreg --help' for usage.");
            return USAGE;
        } catch (ConfigException e) {
            err.println("astreg: " + e.getMessage());
            trace(e);
            return USAGE;
        } catch (StoreUnavailableException e) {
            err.println("astreg: " + e.getMessage());
            trace(e);
            return FAILURE;
        } catch (AstregException e) {
            err.println("astreg: " + e.getMessage());
            trace(e);
            return FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("astreg: interrupted");
            return FAILURE;
        } catch (RuntimeException | LinkageError e) {
            err.println("astreg: unexpected error: " + e + (debug ? "" : " (--debug prints the stack trace)"));
            trace(e);
            return FAILURE;
        }
    }

    private void trace(Throwable e) {
        if (debug) {
            e.printStackTrace(err);
        }
    }

    private int dispatch(String[] args) throws InterruptedException {
        List<String> rest = new ArrayList<>();
        boolean help = false;
        boolean version = false;
        for (String a : args) {
            switch (a) {
                case "--debug":
                    break;
                case "--help":
                case "-h":
                    help = true;
                    break;
                case "--version":
                case "-V":
                    version = true;
                    break;
                default:
                    rest.add(a);
            }
        }
        if (version) {
            out.println("astreg " + version());
            return OK;
        }
        if (help || (!rest.isEmpty() && rest.get(0).equals("help"))) {
            out.print(usage());
            return OK;
        }
        if (rest.isEmpty()) {
            err.print(usage());
            return USAGE;
        }
        String command = rest.get(0);
        Map<String, Boolean> spec = OPTIONS.get(command);
        if (spec == null) {
            throw new UsageException(
                    null,
                    (command.startsWith("-") ? "unknown option '" : "unknown command '") + command
                            + "' (commands: demo, run, locate)");
        }
        Parsed p = parse(command, spec, rest.subList(1, rest.size()));
        switch (command) {
            case "demo":
                return demo(p);
            case "run":
                return run(p);
            default:
                return locate(p);
        }
    }

    /** Parsed options of one command. */
    private record Parsed(String command, Map<String, String> options, List<String> positional) {
        boolean has(String key) {
            return options.containsKey(key);
        }

        Optional<String> get(String key) {
            return Optional.ofNullable(options.get(key));
        }
    }

    private static Parsed parse(String command, Map<String, Boolean> spec, List<String> args) {
        Map<String, String> options = new LinkedHashMap<>();
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith("--")) {
                String name = a;
                String value = null;
                int eq = a.indexOf('=');
                if (eq > 0) {
                    name = a.substring(0, eq);
                    value = a.substring(eq + 1);
                }
                Boolean takesValue = spec.get(name);
                if (takesValue == null) {
                    throw new UsageException(
                            command,
                            "unknown option '" + name + "'"
                                    + (spec.isEmpty()
                                            ? ""
                                            : " (options: " + String.join(", ", sorted(spec.keySet())) + ")"));
                }
                if (takesValue && value == null) {
                    if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
                        throw new UsageException(command, name + " needs a value");
                    }
                    value = args.get(++i);
                } else if (!takesValue && value != null) {
                    throw new UsageException(command, name + " takes no value");
                }
                if (options.containsKey(name)) {
                    throw new UsageException(command, name + " given twice");
                }
                options.put(name, takesValue ? value : "true");
            } else if (a.startsWith("-") && a.length() > 1) {
                throw new UsageException(command, "unknown option '" + a + "'");
            } else {
                positional.add(a);
            }
        }
        return new Parsed(command, options, positional);
    }

    private static List<String> sorted(Set<String> s) {
        return s.stream().sorted().toList();
    }

    // ------------------------------------------------------------------ demo

    private int demo(Parsed p) throws InterruptedException {
        noPositional(p);
        DemoOptions.Builder b = DemoOptions.builder();
        p.get("--port").ifPresent(v -> b.port(intOption(p, "--port", v, 0, 65535)));
        p.get("--phones").ifPresent(v -> b.phones(intOption(p, "--phones", v, 2, 500)));
        p.get("--seed").ifPresent(v -> b.seed(longOption(p, "--seed", v)));
        p.get("--timeout").ifPresent(v -> b.timeout(durationOption(p, "--timeout", v)));
        b.once(p.has("--once"));
        b.ansi(!p.has("--no-ansi") && System.console() != null);
        DemoOptions options = b.build();
        if (options.once()) {
            return Demo.runOnce(options, adapters, out, err);
        }
        Demo demo = Demo.start(options, adapters, out);
        return awaitShutdown(demo, () -> demo.refreshUntilClosed());
    }

    // ------------------------------------------------------------------ run

    private int run(Parsed p) throws InterruptedException {
        noPositional(p);
        String file = p.get("--config").orElseThrow(() -> new UsageException("run", "--config FILE is required"));
        RunnerConfig config = new ConfigLoader(env).load(Path.of(file));
        Runner runner = Runner.start(config, adapters, file);
        err.println("astreg: running " + config.nodes().size() + " node(s)"
                + runner.lookup().map(l -> "; lookup service on " + l.baseUri()).orElse("")
                + "; Ctrl-C to stop");
        return awaitShutdown(runner, null);
    }

    /**
     * Keeps the process alive until Ctrl-C or SIGTERM; then closes {@code app} (sources closed, sinks
     * flushed) in the shutdown hook and ends the process with status 0.
     */
    private int awaitShutdown(AutoCloseable app, Runnable foreground) throws InterruptedException {
        if (!interactive) {
            close(app);
            return OK;
        }
        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    close(app);
                    out.println();
                    out.println("astreg: stopped");
                    out.flush();
                    err.flush();
                    closed.countDown();
                    // a signal's default exit status is 128+n; the contract is 0 after an orderly stop
                    Runtime.getRuntime().halt(OK);
                },
                "astreg-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        if (foreground != null) {
            foreground.run();
        }
        closed.await();
        return OK;
    }

    private void close(AutoCloseable app) {
        try {
            app.close();
        } catch (Exception e) {
            err.println("astreg: error while stopping: " + e);
            trace(e);
        }
    }

    // ------------------------------------------------------------------ locate

    private int locate(Parsed p) {
        if (p.positional().size() != 1) {
            throw new UsageException(
                    "locate",
                    p.positional().isEmpty()
                            ? "which endpoint? e.g. astreg locate PJSIP/1001 --jdbc URL"
                            : "one endpoint only, got " + p.positional());
        }
        EndpointId endpoint;
        try {
            endpoint = EndpointId.parse(p.positional().get(0));
        } catch (IllegalArgumentException e) {
            throw new UsageException("locate", "not an endpoint: " + e.getMessage());
        }
        boolean jdbc = p.has("--jdbc");
        if (jdbc == p.has("--redis")) {
            throw new UsageException("locate", "give exactly one of --jdbc URL or --redis URI");
        }
        Map<String, String> settings = new LinkedHashMap<>();
        StoreKind kind;
        if (jdbc) {
            kind = StoreKind.JDBC;
            settings.put("url", p.get("--jdbc").orElseThrow());
            p.get("--prefix").ifPresent(v -> settings.put("tablePrefix", v));
        } else {
            kind = StoreKind.REDIS;
            settings.put("uri", p.get("--redis").orElseThrow());
            p.get("--prefix").ifPresent(v -> settings.put("keyPrefix", v));
        }
        p.get("--user").ifPresent(v -> settings.put("username", v));
        if (p.has("--password-env")) {
            String var = p.get("--password-env").orElseThrow();
            String pw = env.get(var);
            if (pw == null) {
                throw new UsageException("locate", "--password-env: environment variable " + var + " is not set");
            }
            settings.put("password", pw);
        }
        String path = jdbc ? "--jdbc" : "--redis";
        RunnerConfig defaults = new RunnerConfig(
                List.of(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                PipelineConfig.defaults(),
                RegistryConfig.defaults(),
                Optional.empty());
        PreparedStore store;
        try {
            store = adapters.store(kind, new StoreSettings(settings, Map.of(), path), defaults);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("(command line)", ConfigLoader.prefixErrors(path, e.getMessage()));
        }
        try (store) {
            store.open();
            Optional<Location> loc = store.registry().locate(endpoint);
            if (loc.isEmpty()) {
                err.println("astreg: " + endpoint + " is not registered on any node");
                return NOT_FOUND;
            }
            out.println(loc.get().node().value());
            return OK;
        }
    }

    // ------------------------------------------------------------------ helpers

    private static void noPositional(Parsed p) {
        if (!p.positional().isEmpty()) {
            throw new UsageException(
                    p.command(), "unexpected argument '" + p.positional().get(0) + "'");
        }
    }

    private static int intOption(Parsed p, String name, String v, int min, int max) {
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException(p.command(), name + " must be a number " + min + ".." + max + ", was '" + v + "'");
    }

    private static long longOption(Parsed p, String name, String v) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(p.command(), name + " must be a whole number, was '" + v + "'");
        }
    }

    private static Duration durationOption(Parsed p, String name, String v) {
        try {
            Duration d = Durations.parse(v);
            if (!d.isNegative() && !d.isZero()) {
                return d;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new UsageException(p.command(), name + " must be a positive duration such as 30s or 2m, was '" + v + "'");
    }

    static String version() {
        try (InputStream in = Astreg.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties props = new Properties();
                props.load(in);
                String v = props.getProperty("version");
                if (v != null && !v.startsWith("$")) {
                    return v;
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "(unknown version)";
    }

    static String usage() {
        return """
                astreg: where is each Asterisk endpoint registered, how to reach it, is it busy.

                Usage:
                  astreg demo [--port N] [--once]
                      A fake two-node cluster (pbx1 over AMI, pbx2 over ARI) with about twenty
                      phones, the pipeline, an embedded H2 store, the lookup service on
                      127.0.0.1:N (default 8080; 0 = any free port) and a live table. Ctrl-C stops.
                      --once       wait for the first full picture, print one table, exit 0
                      --phones N   how many phones (default 20)
                      --seed N     the scenario's random seed (default 42)
                      --timeout D  how long --once waits (default 60s)
                      --no-ansi    print tables one after another instead of redrawing in place

                  astreg run --config FILE
                      Watch real nodes (AMI or ARI), write to PostgreSQL/MariaDB/H2 and/or Redis,
                      serve the lookup service. See examples/config/*.yaml. ${ENV_VAR} in values.

                  astreg locate ENDPOINT (--jdbc URL | --redis URI) [--user U] [--password-env VAR] [--prefix P]
                      One lookup: prints the node holding ENDPOINT (e.g. PJSIP/1001).

                  astreg --help | --version

                Options for every command:
                  --debug      stack traces on errors and DEBUG logging of io.github.astreg

                Exit status: 0 ok; 1 locate found nothing; 2 bad usage or config; 3 store unreachable or other failure.

                Lookup service: GET /v1/locate/{tech}/{resource} (text/plain node, 404 when nowhere),
                  /v1/endpoints/{tech}/{resource}, /v1/endpoints?node=N, /v1/nodes, /health, /metrics
                """;
    }

    /** Bad command-line usage; printed without a stack trace. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String command;

        UsageException(String command, String message) {
            super(message);
            this.command = command;
        }
    }
}
