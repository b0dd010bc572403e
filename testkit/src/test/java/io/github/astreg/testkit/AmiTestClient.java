package io.github.astreg.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A minimal raw AMI client for tests: one reader thread parsing messages into ordered maps. */
final class AmiTestClient implements AutoCloseable {
    final Socket socket;
    final String banner;
    private final BufferedReader in;
    private final OutputStream out;
    private final BlockingQueue<Map<String, String>> messages = new LinkedBlockingQueue<>();
    /** Every message received, in order (not consumed by next/await). */
    final List<Map<String, String>> log = java.util.Collections.synchronizedList(new ArrayList<>());

    private final Thread reader;
    private volatile boolean eof;
    private int ids;

    AmiTestClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        out = socket.getOutputStream();
        banner = in.readLine();
        reader = new Thread(this::readLoop, "ami-test-client");
        reader.setDaemon(true);
        reader.start();
    }

    private void readLoop() {
        Map<String, String> cur = new LinkedHashMap<>();
        try {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (!cur.isEmpty()) {
                        log.add(cur);
                        messages.add(cur);
                        cur = new LinkedHashMap<>();
                    }
                    continue;
                }
                int c = line.indexOf(':');
                if (c < 0) {
                    cur.put(line, "");
                } else {
                    String key = line.substring(0, c);
                    String value = line.substring(c + 1).strip();
                    if (cur.containsKey(key)) {
                        key = key + "#" + cur.size();
                    }
                    cur.put(key, value);
                }
            }
        } catch (IOException e) {
            // socket closed
        } finally {
            eof = true;
        }
    }

    /** A copy of everything received so far. */
    List<Map<String, String>> snapshot() {
        synchronized (log) {
            return new ArrayList<>(log);
        }
    }

    boolean eof() {
        return eof;
    }

    String send(String action, String... kv) throws IOException {
        String id = "t-" + (++ids);
        StringBuilder sb = new StringBuilder("Action: ")
                .append(action)
                .append("\r\nActionID: ")
                .append(id)
                .append("\r\n");
        for (int i = 0; i < kv.length; i += 2) {
            sb.append(kv[i]).append(": ").append(kv[i + 1]).append("\r\n");
        }
        sb.append("\r\n");
        raw(sb.toString());
        return id;
    }

    void raw(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    Map<String, String> next(Duration timeout) throws InterruptedException {
        Map<String, String> m = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (m == null) {
            throw new AssertionError("no AMI message within " + timeout);
        }
        return m;
    }

    Map<String, String> await(Predicate<Map<String, String>> p) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<Map<String, String>> skipped = new ArrayList<>();
        while (System.nanoTime() < end) {
            Map<String, String> m = messages.poll(100, TimeUnit.MILLISECONDS);
            if (m != null) {
                if (p.test(m)) {
                    return m;
                }
                skipped.add(m);
            }
        }
        throw new AssertionError("no matching AMI message; skipped " + skipped);
    }

    Map<String, String> response(String actionId) throws InterruptedException {
        return await(m -> actionId.equals(m.get("ActionID")) && m.containsKey("Response"));
    }

    /** Collects the list that an action with {@code actionId} produces, response first, up to the Complete event. */
    List<Map<String, String>> list(String actionId) throws InterruptedException {
        List<Map<String, String>> out = new ArrayList<>();
        Map<String, String> first = response(actionId);
        out.add(first);
        if (!"Success".equals(first.get("Response"))) {
            return out;
        }
        while (true) {
            Map<String, String> m = await(x -> actionId.equals(x.get("ActionID")));
            out.add(m);
            if ("Complete".equals(m.get("EventList"))) {
                return out;
            }
        }
    }

    /** Drains events until {@code count} with name {@code event} arrived; returns all events seen in order. */
    List<Map<String, String>> events(int count) throws InterruptedException {
        List<Map<String, String>> out = new ArrayList<>();
        while (out.size() < count) {
            Map<String, String> m = next(Duration.ofSeconds(10));
            if (m.containsKey("Event")) {
                out.add(m);
            }
        }
        return out;
    }

    /** Messages that arrive within {@code quiet}; stops at the first gap. */
    List<Map<String, String>> drain(Duration quiet) throws InterruptedException {
        List<Map<String, String>> out = new ArrayList<>();
        Map<String, String> m;
        while ((m = messages.poll(quiet.toMillis(), TimeUnit.MILLISECONDS)) != null) {
            out.add(m);
        }
        return out;
    }

    void login(String user, String secret, String events) throws IOException, InterruptedException {
        String id = send("Login", "Username", user, "Secret", secret, "Events", events);
        Map<String, String> r = response(id);
        if (!"Success".equals(r.get("Response"))) {
            throw new AssertionError("login failed: " + r);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
