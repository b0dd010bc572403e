package io.github.astreg.benchmarks.load;

import io.github.astreg.testkit.FakeAsterisk;
import io.github.astreg.testkit.FakeCluster;
import io.github.astreg.testkit.Registration;
import java.time.Duration;
import java.util.List;

/**
 * A {@link FakeCluster} of {@code nodes} nodes ({@code pbx1}, {@code pbx2}, …; system name set, AMI
 * timestamps on), each with its own
 * {@code phones} PJSIP extensions ({@code pbx1}: 100000…, {@code pbx2}: 200000…), all registered
 * before any collector connects, so the first snapshot of every node carries every phone.
 */
final class FakeNodes implements AutoCloseable {
    static final String SECRET = "astregpass";

    final FakeCluster cluster;
    final List<FakeAsterisk> nodes;
    final int phones;

    FakeNodes(int count, int phones) {
        this.phones = phones;
        FakeCluster.Builder b = FakeCluster.builder();
        for (int n = 0; n < count; n++) {
            int first = (n + 1) * 100_000;
            b.node("pbx" + (n + 1), x -> x.pjsipEndpoints(first, first + phones - 1));
        }
        cluster = b.build();
        nodes = cluster.nodes();
        try {
            cluster.start();
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** The extension of phone {@code i} on node {@code n}. */
    static String extension(int n, int i) {
        return Integer.toString((n + 1) * 100_000 + i);
    }

    /** Registers every phone of every node (address 10.n.x.y:5060, expiry 3600 s, RTT 0.7 ms). */
    void registerAll() {
        for (int n = 0; n < nodes.size(); n++) {
            FakeAsterisk pbx = nodes.get(n);
            for (int i = 0; i < phones; i++) {
                pbx.register(extension(n, i), registration(n, i, 5060));
            }
        }
    }

    static Registration registration(int n, int i, int port) {
        return Registration.from("10." + (n + 1) + "." + (i >> 8 & 255) + "." + (i & 255), port)
                .userAgent("Yealink SIP-T46U 108.86.0.45")
                .expires(3600)
                .rtt(Duration.ofNanos(700_000));
    }

    @Override
    public void close() {
        cluster.close();
    }
}
