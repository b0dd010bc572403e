package io.github.astreg.sink.redis;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/** Shared helpers of the *IT classes: the loopback Redis, unique prefixes, cleanup, bounded waits. */
final class RedisTestSupport {
    static final String HOST = "127.0.0.1";
    static final int PORT = 6379;

    private RedisTestSupport() {}

    static boolean requireServices() {
        return Boolean.parseBoolean(System.getProperty("astreg.requireServices", "false"));
    }

    /** Skips (or fails, when services are required) unless Redis answers on 127.0.0.1:6379. */
    static void assumeRedis() {
        boolean up = reachable(HOST, PORT);
        if (!up && requireServices()) {
            fail("Redis on " + HOST + ":" + PORT + " is required (astreg.requireServices=true) but unreachable");
        }
        assumeTrue(up, "Redis on " + HOST + ":" + PORT + " unreachable; skipping");
    }

    static boolean reachable(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** A key prefix no other test run uses. */
    static String uniquePrefix() {
        return "astreg-test-" + UUID.randomUUID().toString().substring(0, 12) + ":";
    }

    static RedisSinkConfig.Builder config(String prefix) {
        return RedisSinkConfig.builder().uri("redis://" + HOST + ":" + PORT).keyPrefix(prefix);
    }

    static RedisSinkConfig.Builder config(int port, String prefix) {
        return RedisSinkConfig.builder().uri("redis://" + HOST + ":" + port).keyPrefix(prefix);
    }

    /** Deletes every key under the prefix. */
    static void deleteKeys(int port, String prefix) {
        try (RedisClient c = RedisClient.create(HOST, port)) {
            for (String k : keys(c, prefix)) {
                c.del(k);
            }
        } catch (RuntimeException e) {
            // best effort: the server may be gone already
        }
    }

    static List<String> keys(RedisClient c, String prefix) {
        List<String> out = new ArrayList<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        ScanParams p = new ScanParams().match(escapeGlob(prefix) + "*").count(1000);
        do {
            ScanResult<String> r = c.scan(cursor, p);
            out.addAll(r.getResult());
            cursor = r.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return out;
    }

    static String escapeGlob(String s) {
        StringBuilder b = new StringBuilder();
        for (char ch : s.toCharArray()) {
            if ("*?[]\\".indexOf(ch) >= 0) {
                b.append('\\');
            }
            b.append(ch);
        }
        return b.toString();
    }

    /** Polls until the condition holds or the timeout passes; returns the condition's last value. */
    static boolean await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }
}
