package io.github.astreg.examples.config;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** Keeps secrets out of messages and {@code toString()}: secret keys, URL user info, JDBC password parameters. */
public final class Secrets {
    private static final Pattern USER_INFO = Pattern.compile("(?<=://)[^/@\\s]*@");
    private static final Pattern PASSWORD_PARAM =
            Pattern.compile("(?i)((?:password|passwd|pwd|secret|token)=)[^&;\\s]*");

    private Secrets() {}

    /** Whether a settings key names a secret ({@code secret}, {@code password}, {@code bearerToken}, …). */
    public static boolean isSecretKey(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("secret") || k.contains("password") || k.contains("token") || k.equals("pwd");
    }

    /** A URL or URI with its user info and password parameters masked: {@code redis://***@host:6379}. */
    public static String redactUrl(String url) {
        String s = USER_INFO.matcher(url).replaceAll("***@");
        return PASSWORD_PARAM.matcher(s).replaceAll("$1***");
    }

    /** A printable copy of {@code settings}: secret values as {@code ***}, URLs redacted. */
    public static Map<String, String> redact(Map<String, String> settings) {
        Map<String, String> out = new TreeMap<>();
        settings.forEach((k, v) -> out.put(k, isSecretKey(k) ? "***" : redactUrl(v)));
        return out;
    }
}
