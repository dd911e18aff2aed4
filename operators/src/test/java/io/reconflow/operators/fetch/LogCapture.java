package io.reconflow.operators.fetch;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Captures every log event that reaches log4j's root logger while open, as the text a log file
 * would hold (level, logger, message, and the stack trace with every exception message).
 * Optionally lowers a logger's level for the capture, so that its DEBUG lines are checked too.
 */
public final class LogCapture implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final LoggerContext context;
    private final AbstractAppender appender;
    private final String loweredLogger;
    private final Level previousLevel;

    public LogCapture() {
        this(null, null);
    }

    /** @param logger a logger to set to {@code level} while capturing (null for none) */
    public LogCapture(String logger, Level level) {
        context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        appender = new AbstractAppender("capture-" + UUID.randomUUID(), null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                StringBuilder b = new StringBuilder()
                        .append(event.getLevel()).append(' ')
                        .append(event.getThreadName()).append(' ')
                        .append(event.getLoggerName()).append(' ')
                        .append(event.getMessage().getFormattedMessage());
                if (event.getThrown() != null) {
                    StringWriter trace = new StringWriter();
                    event.getThrown().printStackTrace(new PrintWriter(trace));
                    b.append('\n').append(trace);
                }
                lines.add(b.toString());
            }
        };
        appender.start();
        config.getRootLogger().addAppender(appender, Level.ALL, null);
        loweredLogger = logger;
        if (logger != null) {
            LoggerConfig lc = config.getLoggerConfig(logger);
            previousLevel = lc.getLevel();
            lc.setLevel(level);
        } else {
            previousLevel = null;
        }
        context.updateLoggers();
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    public String text() {
        return String.join("\n", lines);
    }

    @Override
    public void close() {
        Configuration config = context.getConfiguration();
        config.getRootLogger().removeAppender(appender.getName());
        if (loweredLogger != null) {
            config.getLoggerConfig(loweredLogger).setLevel(previousLevel);
        }
        context.updateLoggers();
        appender.stop();
    }
}
