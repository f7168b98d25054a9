package io.tributary.config;

import java.util.regex.Pattern;

/** Stream keys are path elements in URLs and metric labels: a safe alphabet only. */
public final class StreamKeys {

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    private StreamKeys() {
    }

    public static boolean valid(String key) {
        return key != null && KEY.matcher(key).matches();
    }
}
