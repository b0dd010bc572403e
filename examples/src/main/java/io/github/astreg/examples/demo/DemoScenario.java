package io.github.astreg.examples.demo;

import io.github.astreg.testkit.Call;
import io.github.astreg.testkit.FakeAsterisk;
import io.github.astreg.testkit.FakeCluster;
import io.github.astreg.testkit.Registration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's story, played on fake Asterisk nodes and driven by a seeded {@link Random}, so the
 * same seed plays the same story. {@link #setUp()} registers every phone (split over the nodes) and
 * starts a few calls, so the first picture already shows ringing, in-use and on-hold phones;
 * {@link #step()} then does one thing at a time: a fresh qualify RTT (jitter), a call that rings,
 * is answered, held, resumed or hung up, a phone that moves to the other node, becomes unreachable
 * and recovers, or lets its registration expire and comes back later.
 *
 * <p>Not thread-safe: one thread drives it (the demo's {@code astreg-demo-scenario}). A step the fake
 * refuses is skipped, never fatal.
 */
final class DemoScenario {
    private static final Logger log = LoggerFactory.getLogger(DemoScenario.class);
    private static final String[] AGENTS = {
        "Yealink SIP-T54W 96.86.0.100",
        "Polycom VVX 450 6.4.6",
        "Grandstream GXP2170 1.0.11.79",
        "Cisco SPA504G 7.6.2",
        "Linphone 5.2.5",
        "Zoiper 5.6.4",
        "snom D785 10.1.159.12"
    };

    /** What the scenario believes about one phone. */
    private static final class Phone {
        final String name;
        final int index;
        final Duration baseRtt;
        final String agent;
        FakeAsterisk node;
        boolean unreachable;
        boolean inCall;
        int port;

        Phone(String name, int index, Duration baseRtt, String agent) {
            this.name = name;
            this.index = index;
            this.baseRtt = baseRtt;
            this.agent = agent;
        }

        boolean idle() {
            return node != null && !unreachable && !inCall;
        }
    }

    /** A call the scenario is walking through ringing → answered → held → resumed → hung up. */
    private static final class ActiveCall {
        final Call call;
        final Phone caller;
        final Optional<Phone> callee;
        int stage;

        ActiveCall(Call call, Phone caller, Optional<Phone> callee) {
            this.call = call;
            this.caller = caller;
            this.callee = callee;
        }
    }

    private final FakeCluster cluster;
    private final List<FakeAsterisk> nodes;
    private final Random random;
    private final Map<String, Phone> phones = new LinkedHashMap<>();
    private final List<ActiveCall> calls = new ArrayList<>();
    private long steps;

    /**
     * @param cluster the fake nodes; every phone's endpoint must exist on every node
     * @param phoneNames endpoint resources, such as {@code 1001}
     * @param seed the story's seed
     */
    DemoScenario(FakeCluster cluster, List<String> phoneNames, long seed) {
        this.cluster = cluster;
        this.nodes = cluster.nodes();
        if (nodes.size() < 2) {
            throw new IllegalArgumentException("the demo needs at least two nodes");
        }
        this.random = new Random(seed);
        int i = 0;
        for (String name : phoneNames) {
            Duration rtt = Duration.ofMillis(2 + random.nextInt(60));
            phones.put(name, new Phone(name, i++, rtt, AGENTS[random.nextInt(AGENTS.length)]));
        }
    }

    /** Every phone of the story, in order. */
    List<String> phoneNames() {
        return List.copyOf(phones.keySet());
    }

    /** How many steps ran since {@link #setUp()}. */
    long steps() {
        return steps;
    }

    /** Registers every phone, half on each node (shuffled by the seed), and starts a few calls. */
    void setUp() {
        List<Phone> order = new ArrayList<>(phones.values());
        Collections.shuffle(order, random);
        for (int i = 0; i < order.size(); i++) {
            register(order.get(i), nodes.get(i % nodes.size()));
        }
        for (FakeAsterisk node : nodes) {
            // one call that rings and one on hold per node, so the first picture is not all idle
            List<Phone> idle = idleOn(node);
            if (idle.size() >= 4) {
                startCall(idle.get(0), Optional.of(idle.get(1)));
                ActiveCall held = startCall(idle.get(2), Optional.of(idle.get(3)));
                if (held != null) {
                    advance(held); // answered
                    advance(held); // on hold
                }
            }
        }
    }

    /** One step of the story. */
    void step() {
        steps++;
        int dice = random.nextInt(100);
        try {
            if (dice < 35) {
                qualifySomeone();
            } else if (dice < 55) {
                callProgress();
            } else if (dice < 67) {
                move();
            } else if (dice < 77) {
                unreachableOrRecover();
            } else if (dice < 85) {
                expireSomeone();
            } else {
                comeBack();
            }
        } catch (RuntimeException e) {
            log.debug("demo step {} skipped: {}", steps, e.toString());
        }
    }

    // ------------------------------------------------------------------ moves of the story

    private void register(Phone p, FakeAsterisk node) {
        node.register(p.name, registration(p, node));
        p.node = node;
        p.unreachable = false;
    }

    /** A phone's REGISTER to {@code node}: from that node's subnet, on a fresh port. */
    private Registration registration(Phone p, FakeAsterisk node) {
        int subnet = nodes.indexOf(node) + 1;
        p.port = 5060 + random.nextInt(2000);
        return Registration.from("10.0." + subnet + "." + (10 + p.index % 240), p.port)
                .userAgent(p.agent)
                .expires(3600)
                .rtt(jittered(p));
    }

    private Duration jittered(Phone p) {
        long base = p.baseRtt.toNanos() / 1000;
        long spread = Math.max(200, base / 3);
        long us = Math.max(300, base + (long) (random.nextGaussian() * spread));
        return Duration.ofNanos(us * 1000);
    }

    private void qualifySomeone() {
        pick(p -> p.node != null && !p.unreachable).ifPresent(p -> p.node.qualify(p.name, jittered(p)));
    }

    private void callProgress() {
        if (!calls.isEmpty() && (calls.size() >= 3 || random.nextBoolean())) {
            advance(calls.get(random.nextInt(calls.size())));
            return;
        }
        Optional<Phone> caller = pick(Phone::idle);
        if (caller.isEmpty()) {
            return;
        }
        List<Phone> sameNode = idleOn(caller.get().node);
        sameNode.remove(caller.get());
        Optional<Phone> callee = sameNode.isEmpty() || random.nextInt(4) == 0
                ? Optional.empty() // an outside number: answered at once
                : Optional.of(sameNode.get(random.nextInt(sameNode.size())));
        startCall(caller.get(), callee);
    }

    private ActiveCall startCall(Phone caller, Optional<Phone> callee) {
        String exten = callee.map(p -> p.name).orElse("*43");
        Call call = caller.node.call(caller.name, exten);
        caller.inCall = true;
        callee.ifPresent(p -> p.inCall = true);
        ActiveCall c = new ActiveCall(call, caller, callee);
        calls.add(c);
        return c;
    }

    private void advance(ActiveCall c) {
        try {
            switch (c.stage) {
                case 0:
                    if (!c.call.answered()) {
                        c.call.answer();
                    }
                    break;
                case 1:
                    c.call.hold();
                    break;
                case 2:
                    c.call.unhold();
                    break;
                default:
                    c.call.hangup();
            }
        } finally {
            c.stage++;
            if (c.stage > 3 || c.call.ended()) {
                if (!c.call.ended()) {
                    c.call.hangup();
                }
                calls.remove(c);
                c.caller.inCall = false;
                c.callee.ifPresent(p -> p.inCall = false);
            }
        }
    }

    private void move() {
        pick(Phone::idle).ifPresent(p -> {
            FakeAsterisk from = p.node;
            FakeAsterisk to = nodes.get((nodes.indexOf(from) + 1 + random.nextInt(nodes.size() - 1)) % nodes.size());
            // the phone switches server: unregisters from pbx-a, registers on pbx-b
            cluster.move(p.name, to.node(), registration(p, to));
            p.node = to;
            p.unreachable = false;
        });
    }

    private void unreachableOrRecover() {
        Optional<Phone> down = pick(p -> p.node != null && p.unreachable);
        if (down.isPresent() && random.nextBoolean()) {
            Phone p = down.get();
            p.node.qualify(p.name, jittered(p));
            p.unreachable = false;
            return;
        }
        pick(Phone::idle).ifPresent(p -> {
            p.node.unreachable(p.name);
            p.unreachable = true;
        });
    }

    private void expireSomeone() {
        pick(Phone::idle).ifPresent(p -> {
            p.node.expire(p.name);
            p.node = null;
        });
    }

    private void comeBack() {
        pick(p -> p.node == null).ifPresent(p -> register(p, nodes.get(random.nextInt(nodes.size()))));
    }

    // ------------------------------------------------------------------ helpers

    private List<Phone> idleOn(FakeAsterisk node) {
        List<Phone> out = new ArrayList<>();
        for (Phone p : phones.values()) {
            if (p.idle() && p.node == node) {
                out.add(p);
            }
        }
        return out;
    }

    private Optional<Phone> pick(java.util.function.Predicate<Phone> filter) {
        List<Phone> candidates = new ArrayList<>();
        for (Phone p : phones.values()) {
            if (filter.test(p)) {
                candidates.add(p);
            }
        }
        return candidates.isEmpty() ? Optional.empty() : Optional.of(candidates.get(random.nextInt(candidates.size())));
    }

    @Override
    public String toString() {
        return "DemoScenario[" + phones.size() + " phones on " + nodes.size() + " nodes, " + steps + " steps]";
    }

    static List<String> names(int count) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(Integer.toString(1001 + i));
        }
        return out;
    }
}
