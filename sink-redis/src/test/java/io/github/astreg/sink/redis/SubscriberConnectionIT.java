package io.github.astreg.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.astreg.sink.redis.internal.RedisClients;
import io.github.astreg.sink.redis.internal.SubscriberConnection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * A keepalive ping that loses the race with the link's close (the reader ending the subscription, or
 * {@code EventSubscriber.close()}) must fail, not open a new socket: Jedis' {@code sendCommand}
 * connects a disconnected connection again, and such a socket (not authenticated, never subscribed,
 * never read) would stay open, after {@code close()} too, until the garbage collector finds it.
 */
class SubscriberConnectionIT {
    @BeforeAll
    static void needRedis() {
        RedisTestSupport.assumeRedis();
    }

    @Test
    void pingAfterDisconnectDoesNotReconnect() {
        RedisSinkConfig config =
                RedisTestSupport.config(RedisTestSupport.uniquePrefix()).build();
        try (RedisClient client = RedisClient.create(RedisTestSupport.HOST, RedisTestSupport.PORT)) {
            SubscriberConnection conn = RedisClients.subscriberConnection(config, client, 0);
            conn.sendPing(); // connected: just written
            conn.disconnect();
            assertThatThrownBy(conn::sendPing).isInstanceOf(JedisConnectionException.class);
            assertThat(conn.isConnected()).isFalse();
            // what Jedis' sendCommand does first: it must not open a socket again either
            assertThatThrownBy(conn::connect).isInstanceOf(JedisConnectionException.class);
            assertThat(conn.isConnected()).isFalse();
        }
    }
}
