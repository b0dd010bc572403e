package io.github.astreg.source.ari.internal;

import java.io.IOException;

/** A REST request Asterisk answered with a status other than 2xx. */
public final class AriHttpException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int status;

    public AriHttpException(String method, String path, int status, String body) {
        super(method + " " + path + " -> " + status + (body.isEmpty() ? "" : ": " + shorten(body)));
        this.status = status;
    }

    public int status() {
        return status;
    }

    static String shorten(String s) {
        String t = s.replaceAll("\\s+", " ").trim();
        return t.length() > 160 ? t.substring(0, 160) + "…" : t;
    }
}
