package io.github.astreg.benchmarks.load;

import io.github.astreg.testkit.Call;
import io.github.astreg.testkit.FakeAsterisk;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Drives the fake nodes with a realistic mix of phone activity at a rate adjusted every 200 ms so
 * that the pipeline receives about {@code targetEventsPerSecond} observations per second (the rate is
 * the target divided by the observations received per try over the last ~10 s, corrected slowly
 * towards the target, so a stall of the pipeline or of the host moves it little):
 *
 * <ul>
 *   <li>45 %: a step of a call on the node (new call: the callee rings; then answer, hold, unhold,
 *       hangup), at most one call per 10 phones at a time;
 *   <li>25 %: a qualify answered with a new RTT (no event on Asterisk; seen by contact-list polls);
 *   <li>15 %: a registration refresh (no state event; new expiry in the contact list);
 *   <li>10 %: a qualify flap (the contact turns Unreachable, the next flap of that phone recovers it);
 *   <li>5 %: a phone restarts and registers a new contact (the new contact replaces the old one).
 * </ul>
 *
 * <p>Phones {@code 0 .. probePhones-1} of every node are left to the latency probes. Runs on the
 * calling thread until {@link #stop()}.
 */
final class TrafficGenerator {
    /** Largest change of the action rate per 200 ms step, either way. */
    private static final double STEP = 1.1;
    /**
     * Weight kept per 200 ms step of the counts the yield is measured on: a ~10 s window, long
     * against a stall of a second or two, short against the 40 s warm-up.
     */
    private static final double KEEP = Math.exp(-0.2 / 10);

    private final List<FakeAsterisk> nodes;
    private final int phones;
    private final int probePhones;
    private final LongSupplier received;
    private final double target;
    private final SplittableRandom random = new SplittableRandom(42);
    private final boolean[][] unreachable;
    private final boolean[][] busy;
    private final int[][] port;
    private final List<List<ActiveCall>> calls = new ArrayList<>();
    final AtomicLong actions = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    private volatile boolean stopped;

    private record ActiveCall(Call call, int caller, int callee, int[] steps, int[] next) {}

    TrafficGenerator(List<FakeAsterisk> nodes, int phones, int probePhones, LongSupplier received, double target) {
        this.nodes = nodes;
        this.phones = phones;
        this.probePhones = probePhones;
        this.received = received;
        this.target = target;
        unreachable = new boolean[nodes.size()][phones];
        busy = new boolean[nodes.size()][phones];
        port = new int[nodes.size()][phones];
        for (int n = 0; n < nodes.size(); n++) {
            java.util.Arrays.fill(port[n], 5060);
            calls.add(new ArrayList<>());
        }
    }

    void stop() {
        stopped = true;
    }

    /** Runs until {@link #stop()}; returns the action rate it settled on. */
    double run() {
        double actionRate = Math.max(10, target / 4);
        long lastAdjust = System.nanoTime();
        long lastReceived = received.getAsLong();
        // tries, not actions: a try on a busy phone does nothing, and the rate set below is of tries
        long tries = 0;
        double triesWindow = 0;
        double receivedWindow = 0;
        double secondsWindow = 0;
        double correction = 1;
        long start = System.nanoTime();
        double due = 0;
        long lastTick = start;
        while (!stopped) {
            long now = System.nanoTime();
            due += actionRate * (now - lastTick) / 1e9;
            lastTick = now;
            int burst = (int) Math.min(due, 2000);
            for (int k = 0; k < burst; k++) {
                act();
            }
            tries += burst;
            due -= burst;
            if (now - lastAdjust >= 200_000_000L) {
                // Steering on the received rate of the last two seconds let a stall feed itself: while
                // the pipeline or the host stood still the rate grew by up to 25 % per step, and in one
                // run of session 8 the pipeline then received 1.7 times the target over the whole
                // measured phase. Now the rate is the target over the observations received per try in
                // the last ~10 s, which a stall moves little, times a correction that moves at most 1 %
                // per step: the yield lags as calls pile up and contact-list reads (which come whatever
                // the tries) skew it, and the correction takes up what that leaves (6 % without it).
                long r = received.getAsLong();
                triesWindow = triesWindow * KEEP + tries;
                receivedWindow = receivedWindow * KEEP + (r - lastReceived);
                secondsWindow = secondsWindow * KEEP + (now - lastAdjust) / 1e9;
                tries = 0;
                lastReceived = r;
                if (triesWindow > 0 && receivedWindow > 0) {
                    double rate = receivedWindow / secondsWindow;
                    correction = Math.max(0.5, Math.min(2, correction * Math.max(0.99, Math.min(1.01, target / rate))));
                    double wanted = correction * target / (receivedWindow / triesWindow);
                    actionRate = Math.max(
                            10, Math.min(1_000_000, Math.max(actionRate / STEP, Math.min(actionRate * STEP, wanted))));
                } else {
                    actionRate = Math.min(1_000_000, actionRate * STEP);
                }
                lastAdjust = now;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return actionRate;
    }

    private void act() {
        int n = random.nextInt(nodes.size());
        FakeAsterisk pbx = nodes.get(n);
        int dice = random.nextInt(100);
        try {
            if (dice < 45) {
                callStep(n, pbx);
            } else {
                int i = probePhones + random.nextInt(phones - probePhones);
                if (busy[n][i]) {
                    return;
                }
                String ext = FakeNodes.extension(n, i);
                if (dice < 70) {
                    if (!unreachable[n][i]) {
                        pbx.qualify(ext, Duration.ofNanos((500 + random.nextInt(1500)) * 1000L));
                    }
                } else if (dice < 85) {
                    if (!unreachable[n][i]) {
                        pbx.refresh(ext);
                    }
                } else if (dice < 95) {
                    if (unreachable[n][i]) {
                        pbx.qualify(ext, Duration.ofNanos((500 + random.nextInt(1500)) * 1000L));
                    } else {
                        pbx.unreachable(ext);
                    }
                    unreachable[n][i] = !unreachable[n][i];
                } else if (!unreachable[n][i]) {
                    port[n][i] = port[n][i] == 5060 ? 5062 : 5060;
                    pbx.register(ext, FakeNodes.registration(n, i, port[n][i]));
                }
            }
            actions.incrementAndGet();
        } catch (RuntimeException e) {
            failures.incrementAndGet();
        }
    }

    private void callStep(int n, FakeAsterisk pbx) {
        List<ActiveCall> active = calls.get(n);
        boolean start = active.isEmpty() || (active.size() < phones / 10 && random.nextInt(3) == 0);
        if (start) {
            int a = probePhones + random.nextInt(phones - probePhones);
            int b = probePhones + random.nextInt(phones - probePhones);
            if (a == b || busy[n][a] || busy[n][b] || unreachable[n][a] || unreachable[n][b]) {
                return;
            }
            Call call = pbx.call(FakeNodes.extension(n, a), FakeNodes.extension(n, b));
            busy[n][a] = true;
            busy[n][b] = true;
            // 0 answer, 1 hold, 2 unhold, 3 hangup
            int[] steps = random.nextInt(3) == 0 ? new int[] {0, 1, 2, 3} : new int[] {0, 3};
            active.add(new ActiveCall(call, a, b, steps, new int[] {0}));
            return;
        }
        int idx = random.nextInt(active.size());
        ActiveCall c = active.get(idx);
        int step = c.steps()[c.next()[0]++];
        switch (step) {
            case 0 -> c.call().answer();
            case 1 -> c.call().hold();
            case 2 -> c.call().unhold();
            default -> {
                c.call().hangup();
                busy[n][c.caller()] = false;
                busy[n][c.callee()] = false;
                active.set(idx, active.get(active.size() - 1));
                active.remove(active.size() - 1);
            }
        }
    }
}
