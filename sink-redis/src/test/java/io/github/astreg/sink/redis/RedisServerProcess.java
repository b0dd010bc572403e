package io.github.astreg.sink.redis;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private {@code redis-server} child process on a free loopback port, without persistence, for
 * tests that stop, kill or reconfigure Redis (the shared server on 6379 is never touched that way).
 */
final class RedisServerProcess implements AutoCloseable {
    private final int port;
    private final List<String> extraArgs;
    private final Path dir;
    private Path configFile;
    private Process process;

    private RedisServerProcess(int port, List<String> extraArgs) throws IOException {
        this.port = port;
        this.extraArgs = extraArgs;
        this.dir = Files.createTempDirectory("astreg-redis-");
    }

    /** Skips (or fails when services are required) unless {@code redis-server} can be run. */
    static void assumeAvailable() {
        boolean ok;
        try {
            Process p = new ProcessBuilder("redis-server", "--version")
                    .redirectErrorStream(true)
                    .start();
            ok = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            ok = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ok = false;
        }
        if (!ok && RedisTestSupport.requireServices()) {
            fail("redis-server binary is required (astreg.requireServices=true) but cannot be run");
        }
        assumeTrue(ok, "redis-server binary not available; skipping");
    }

    static RedisServerProcess start(String... extraArgs) throws Exception {
        RedisServerProcess r = new RedisServerProcess(freePort(), List.of(extraArgs));
        r.launch();
        return r;
    }

    int port() {
        return port;
    }

    /** A Redis Sentinel on a free port monitoring {@code master} as {@code masterName}. */
    static RedisServerProcess startSentinel(String masterName, int masterPort) throws Exception {
        RedisServerProcess r = new RedisServerProcess(freePort(), List.of());
        r.configFile = r.dir.resolve("sentinel.conf");
        Files.writeString(
                r.configFile,
                String.join(
                        "\n",
                        "port " + r.port,
                        "bind 127.0.0.1",
                        "daemonize no",
                        "dir " + r.dir,
                        "sentinel monitor " + masterName + " 127.0.0.1 " + masterPort + " 1",
                        "sentinel down-after-milliseconds " + masterName + " 2000",
                        ""));
        r.launch();
        return r;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /** Starts the server (again, on the same port) and waits until it accepts connections. */
    void launch() throws Exception {
        if (configFile != null) {
            process = new ProcessBuilder("redis-server", configFile.toString(), "--sentinel")
                    .redirectErrorStream(true)
                    .redirectOutput(new File(dir.toFile(), "redis.log"))
                    .start();
            awaitUp();
            return;
        }
        List<String> cmd = new ArrayList<>(List.of(
                "redis-server",
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                dir.toString()));
        cmd.addAll(extraArgs);
        process = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(new File(dir.toFile(), "redis.log"))
                .start();
        awaitUp();
    }

    private void awaitUp() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!RedisTestSupport.reachable("127.0.0.1", port)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("redis-server on port " + port + " did not start: "
                        + Files.readString(dir.resolve("redis.log")));
            }
            Thread.sleep(20);
        }
    }

    /** Kills the server (SIGKILL): everything it held is lost, as in a crash without persistence. */
    void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (RedisTestSupport.reachable("127.0.0.1", port) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }
}
