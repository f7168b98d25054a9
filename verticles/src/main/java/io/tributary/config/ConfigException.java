package io.tributary.config;

/** A configuration value is missing, unknown or out of range; the message names the key. */
public final class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }

    public static ConfigException invalid(String key, String expected, Object got) {
        return new ConfigException("config key '" + key + "': expected " + expected + ", got '" + got + "'");
    }
}
