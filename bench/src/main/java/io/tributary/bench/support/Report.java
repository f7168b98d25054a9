package io.tributary.bench.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Collects a results file in Markdown, echoing each part to stdout. */
public final class Report {

    private final StringBuilder md = new StringBuilder();

    public Report(String title) {
        line("# " + title);
        line("");
    }

    public Report line(String s) {
        md.append(s).append('\n');
        System.out.println(s);
        return this;
    }

    public Report section(String title) {
        line("");
        return line("## " + title).line("");
    }

    public void write(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, md.toString());
            System.out.println("[report] wrote " + file.toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String f(String fmt, Object... args) {
        return String.format(java.util.Locale.ROOT, fmt, args);
    }
}
