package io.github.astreg.sink.redis.internal;

import io.github.astreg.core.AstregException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** The one Lua script that applies a change ({@code apply.lua}), and its SHA-1 for EVALSHA. */
public final class ApplyScript {
    private static final String RESOURCE = "/io/github/astreg/sink/redis/apply.lua";
    private static final String SOURCE = load();
    private static final String SHA = sha1(SOURCE);

    private ApplyScript() {}

    public static String source() {
        return SOURCE;
    }

    /** The SHA-1 Redis knows the script by once loaded (computed locally, so no round trip). */
    public static String sha() {
        return SHA;
    }

    private static String load() {
        try (InputStream in = ApplyScript.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new AstregException("missing resource " + RESOURCE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AstregException("cannot read " + RESOURCE, e);
        }
    }

    private static String sha1(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            StringBuilder s = new StringBuilder(40);
            for (byte b : d) {
                s.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
            }
            return s.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new AstregException("SHA-1 unavailable", e);
        }
    }
}
