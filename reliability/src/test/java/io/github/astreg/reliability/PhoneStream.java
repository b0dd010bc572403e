package io.github.astreg.reliability;

import io.github.astreg.core.model.EndpointId;
import io.github.astreg.testkit.Call;
import io.github.astreg.testkit.FakeAsterisk;
import io.github.astreg.testkit.Registration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady stream of phone activity on one fake node, on its own thread: phones 1001..1010 register
 * (from one of three ports, so the set of contact keys stays bounded), are qualified, become
 * unreachable, call and hang up, and unregister. Steps the fake refuses (say, qualifying a phone that
 * is not registered) are counted as skipped.
 */
final class PhoneStream implements AutoCloseable {
    static final List<String> PHONES =
            List.of("1001", "1002", "1003", "1004", "1005", "1006", "1007", "1008", "1009", "1010");

    private final FakeAsterisk pbx;
    private final Random random;
    private final long pauseMillis;
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private volatile boolean running = true;
    private final Thread thread;

    PhoneStream(FakeAsterisk pbx, long seed, long pauseMillis) {
        this.pbx = pbx;
        this.random = new Random(seed);
        this.pauseMillis = pauseMillis;
        this.thread = new Thread(this::run, "test-phones-" + pbx.node());
        thread.setDaemon(true);
        thread.start();
    }

    static List<EndpointId> endpoints() {
        List<EndpointId> out = new ArrayList<>();
        for (String p : PHONES) {
            out.add(EndpointId.pjsip(p));
        }
        return out;
    }

    long steps() {
        return steps.get();
    }

    long skipped() {
        return skipped.get();
    }

    private void run() {
        while (running) {
            String phone = PHONES.get(random.nextInt(PHONES.size()));
            int op = random.nextInt(100);
            try {
                if (op < 40) {
                    pbx.register(
                            phone,
                            Registration.from("127.0.0.1", 5061 + random.nextInt(3))
                                    .rtt(Duration.ofMillis(1 + random.nextInt(40))));
                } else if (op < 60) {
                    pbx.qualify(phone, Duration.ofMillis(1 + random.nextInt(40)));
                } else if (op < 70) {
                    pbx.unreachable(phone);
                } else if (op < 85) {
                    Call call = pbx.call(phone, "600");
                    call.hangup();
                } else {
                    pbx.unregister(phone);
                }
                steps.incrementAndGet();
            } catch (RuntimeException e) {
                skipped.incrementAndGet();
            }
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Stops the stream and waits for its thread. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
