package io.github.astreg.sink.redis.internal;

import io.github.astreg.sink.redis.RedisSinkConfig;
import io.github.astreg.sink.redis.RedisSinkConfig.HostAndPortText;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.UnifiedJedis;

/**
 * Makes Jedis clients from a {@link RedisSinkConfig}: one {@link UnifiedJedis} for standalone,
 * Sentinel and Cluster, so the sink and the registry have one code path; and single connections for
 * the pub/sub subscriber, which must be able to close its socket from another thread.
 */
public final class RedisClients {
    private RedisClients() {}

    /** The client config for data connections (credentials, TLS, timeouts, database, name). */
    public static JedisClientConfig clientConfig(RedisSinkConfig c) {
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) c.connectTimeout().toMillis())
                .socketTimeoutMillis((int) c.socketTimeout().toMillis())
                .clientName(c.clientName())
                .database(c.database());
        if (c.tls()) {
            // JVM default trust store, full certificate and host name verification
            b.sslOptions(SslOptions.defaults());
        }
        c.user().ifPresent(b::user);
        c.password().ifPresent(b::password);
        return b.build();
    }

    private static JedisClientConfig sentinelClientConfig(RedisSinkConfig c) {
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) c.connectTimeout().toMillis())
                .socketTimeoutMillis((int) c.socketTimeout().toMillis())
                .clientName(c.clientName());
        if (c.tls()) {
            b.sslOptions(SslOptions.defaults());
        }
        c.sentinelUser().ifPresent(b::user);
        c.sentinelPassword().ifPresent(b::password);
        return b.build();
    }

    /**
     * Opens the client for the configured deployment. Standalone connects lazily; Sentinel and
     * Cluster ask their servers for the topology here and throw when none answers.
     */
    public static UnifiedJedis open(RedisSinkConfig c) {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(c.poolSize());
        pool.setMaxIdle(c.poolSize());
        pool.setMinIdle(0);
        pool.setMaxWait(c.connectTimeout().plus(c.socketTimeout()));
        pool.setTestWhileIdle(true);
        JedisClientConfig cc = clientConfig(c);
        switch (c.deployment()) {
            case STANDALONE:
                return RedisClient.builder()
                        .hostAndPort(hostAndPort(c.endpoints().get(0)))
                        .clientConfig(cc)
                        .poolConfig(pool)
                        .build();
            case SENTINEL:
                return RedisSentinelClient.builder()
                        .masterName(c.sentinelMaster().orElseThrow())
                        .sentinels(hostSet(c.endpoints()))
                        .sentinelClientConfig(sentinelClientConfig(c))
                        .clientConfig(cc)
                        .poolConfig(pool)
                        .build();
            case CLUSTER:
            default:
                return RedisClusterClient.builder()
                        .nodes(hostSet(c.endpoints()))
                        .clientConfig(cc)
                        .poolConfig(pool)
                        .build();
        }
    }

    /**
     * A new, connected connection for the pub/sub subscriber. Standalone: the server. Sentinel: the
     * current master (replicas also deliver published messages, but the master is what writers
     * use). Cluster: the {@code attempt}-th seed node, round robin (classic PUBLISH reaches every
     * node of a cluster). It speaks RESP2, whatever the data connections speak: see {@link
     * SubscriberConnection} for why.
     */
    public static SubscriberConnection subscriberConnection(RedisSinkConfig c, UnifiedJedis client, int attempt) {
        HostAndPort target;
        if (c.deployment() == RedisSinkConfig.Deployment.SENTINEL && client instanceof RedisSentinelClient s) {
            target = s.getCurrentMaster();
        } else {
            List<HostAndPortText> eps = c.endpoints();
            target = hostAndPort(eps.get(Math.floorMod(attempt, eps.size())));
        }
        JedisClientConfig resp2 = DefaultJedisClientConfig.builder()
                .from(clientConfig(c))
                .protocol(RedisProtocol.RESP2)
                .autoNegotiateProtocol(false)
                .build();
        SubscriberConnection conn = new SubscriberConnection(target, resp2);
        conn.connect();
        return conn;
    }

    private static HostAndPort hostAndPort(HostAndPortText h) {
        return new HostAndPort(h.host(), h.port());
    }

    private static Set<HostAndPort> hostSet(List<HostAndPortText> list) {
        Set<HostAndPort> out = new LinkedHashSet<>();
        for (HostAndPortText h : list) {
            out.add(hostAndPort(h));
        }
        return out;
    }
}
