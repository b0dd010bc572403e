package io.github.astreg.sink.redis;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.RedisClient;

/** Three private {@code redis-server} masters on free loopback ports, joined into a Redis Cluster. */
final class LocalRedisCluster implements AutoCloseable {
    private final List<RedisServerProcess> masters = new ArrayList<>();

    static LocalRedisCluster start() throws Exception {
        RedisServerProcess.assumeAvailable();
        LocalRedisCluster c = new LocalRedisCluster();
        try {
            for (int i = 0; i < 3; i++) {
                c.masters.add(RedisServerProcess.start(
                        "--cluster-enabled", "yes",
                        "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", "2000"));
            }
            List<String> cmd = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            for (RedisServerProcess m : c.masters) {
                cmd.add("127.0.0.1:" + m.port());
            }
            cmd.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("redis-cli --cluster create failed: " + out);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!c.allOk()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("cluster did not become ok");
                }
                Thread.sleep(100);
            }
            return c;
        } catch (Exception e) {
            c.close();
            throw e;
        }
    }

    private boolean allOk() {
        for (RedisServerProcess m : masters) {
            try (RedisClient r = RedisClient.create("127.0.0.1", m.port())) {
                Object reply = r.sendCommand(redis.clients.jedis.Protocol.Command.CLUSTER, "INFO");
                String info = reply instanceof byte[] b
                        ? new String(b, java.nio.charset.StandardCharsets.UTF_8)
                        : String.valueOf(reply);
                if (!info.contains("cluster_state:ok")) {
                    return false;
                }
            } catch (RuntimeException e) {
                return false;
            }
        }
        return true;
    }

    /** {@code host:port,host:port,...} of the masters. */
    String nodes() {
        return String.join(
                ",", masters.stream().map(m -> "127.0.0.1:" + m.port()).toList());
    }

    @Override
    public void close() throws IOException {
        for (RedisServerProcess m : masters) {
            m.close();
        }
    }
}
