package io.reconflow.job;

/** A configuration that cannot run, with the key that is wrong at the start of the message. */
public class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String key, String problem) {
        super(key + ": " + problem);
    }
}
