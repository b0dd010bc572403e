package io.github.astreg.reliability;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The real services of the ITs: the shared PostgreSQL on 127.0.0.1:5432 (only our own connections
 * are ever killed) and private {@code redis-server} child processes (the shared Redis is never
 * stopped). Skips when a service is missing, unless {@code astreg.requireServices=true}.
 */
final class Services {
    static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?reWriteBatchedInserts=true&connectTimeout=3";
    static final String PG_USER = "postgres";

    private Services() {}

    static boolean requireServices() {
        return Boolean.parseBoolean(System.getProperty("astreg.requireServices", "false"));
    }

    static void assume(boolean ok, String reason) {
        if (!ok && requireServices()) {
            fail(reason + " (astreg.requireServices=true)");
        }
        assumeTrue(ok, reason + "; skipping");
    }

    static boolean reachable(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A table prefix no other run uses. */
    static String uniquePrefix(String what) {
        return "rel_" + what + "_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 8) + "_";
    }

    /** An unpooled PostgreSQL DataSource whose backends carry {@code applicationName}. */
    static PGSimpleDataSource postgres(String applicationName) {
        assume(reachable("127.0.0.1", 5432), "PostgreSQL on 127.0.0.1:5432 unreachable");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(PG_URL);
        ds.setUser(PG_USER);
        ds.setApplicationName(applicationName);
        return ds;
    }

    /** Terminates every backend of {@code applicationName} (ours only); returns how many. */
    static int killBackends(String applicationName) {
        try (Connection admin = DriverManager.getConnection(PG_URL, PG_USER, "");
                PreparedStatement ps = admin.prepareStatement("SELECT COUNT(pg_terminate_backend(pid))"
                        + " FROM pg_stat_activity WHERE application_name = ? AND pid <> pg_backend_pid()")) {
            ps.setString(1, applicationName);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            return 0; // the admin connection itself may hiccup under load: the next round retries
        }
    }

    /** Drops the tables and view of a prefix. */
    static void dropTables(DataSource ds, String prefix) {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute("DROP VIEW IF EXISTS " + prefix + "location");
            for (String t : List.of("node", "contact", "endpoint", "event", "setting", "schema_version")) {
                s.execute("DROP TABLE IF EXISTS " + prefix + t);
            }
        } catch (SQLException e) {
            System.err.println("cleanup of " + prefix + " failed: " + e);
        }
    }

    /**
     * A DataSource that refuses every connection while {@link #down} is set, as a database that is
     * restarting does (SQLState 08001).
     */
    static final class OutageDataSource implements DataSource {
        private final DataSource delegate;
        private volatile boolean down;

        OutageDataSource(DataSource delegate) {
            this.delegate = delegate;
        }

        void down(boolean value) {
            this.down = value;
        }

        private void check() throws SQLException {
            if (down) {
                throw new SQLException("Connection refused (test outage)", "08001");
            }
        }

        @Override
        public Connection getConnection() throws SQLException {
            check();
            return delegate.getConnection();
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            check();
            return delegate.getConnection(username, password);
        }

        @Override
        public PrintWriter getLogWriter() throws SQLException {
            return delegate.getLogWriter();
        }

        @Override
        public void setLogWriter(PrintWriter out) throws SQLException {
            delegate.setLogWriter(out);
        }

        @Override
        public void setLoginTimeout(int seconds) throws SQLException {
            delegate.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() throws SQLException {
            return delegate.getLoginTimeout();
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            return delegate.getParentLogger();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            return delegate.unwrap(iface);
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) throws SQLException {
            return delegate.isWrapperFor(iface);
        }
    }

    /** A private {@code redis-server} on a free loopback port, without persistence. */
    static final class RedisProcess implements AutoCloseable {
        private final int port;
        private final Path dir;
        private final List<String> extraArgs;
        private Process process;

        private RedisProcess(int port, List<String> extraArgs) throws IOException {
            this.port = port;
            this.extraArgs = extraArgs;
            this.dir = Files.createTempDirectory("astreg-rel-redis-");
        }

        /** Starts a server; {@code extraArgs} are added to its command line (say, {@code --requirepass x}). */
        static RedisProcess start(String... extraArgs) throws Exception {
            boolean ok;
            try {
                Process p = new ProcessBuilder("redis-server", "--version")
                        .redirectErrorStream(true)
                        .start();
                ok = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException e) {
                ok = false;
            }
            assume(ok, "redis-server binary not available");
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            RedisProcess r = new RedisProcess(port, List.of(extraArgs));
            r.launch();
            return r;
        }

        int port() {
            return port;
        }

        /** Starts the server (again, on the same port, empty) and waits until it accepts connections. */
        void launch() throws Exception {
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
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!reachable("127.0.0.1", port)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("redis-server on port " + port + " did not start: "
                            + Files.readString(dir.resolve("redis.log")));
                }
                Thread.sleep(20);
            }
        }

        /** SIGKILL: everything it held is lost, as in a crash without persistence. */
        void kill() throws InterruptedException {
            if (process != null && process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }

        @Override
        public void close() throws Exception {
            kill();
            try (var files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}
