package io.github.astreg.core.model;

/** The four kinds of {@link Change}; also their names in the JSON form ({@link #jsonName()}). */
public enum ChangeKind {
    CONTACT("contact"),
    ENDPOINT("endpoint"),
    DEVICE("device"),
    NODE("node");

    private final String jsonName;

    ChangeKind(String jsonName) {
        this.jsonName = jsonName;
    }

    public String jsonName() {
        return jsonName;
    }
}
