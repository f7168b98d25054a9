package io.tributary.config;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The keys of {@code default.yaml} as {@code --help} lists them: key, environment variable,
 * default and the file's own comment, read from the bundled file itself so the help never
 * disagrees with what the node loads.
 */
public final class ConfigHelp {

    /** {@code  key: value  # comment} (value and comment optional). */
    private static final Pattern ENTRY = Pattern.compile("^( *)([A-Za-z0-9_-]+):\\s*([^#]*?)\\s*(?:#\\s?(.*))?$");
    private static final Pattern CONTINUATION = Pattern.compile("^(\\s+)#\\s?(.*)$");

    private ConfigHelp() {
    }

    public record Key(String key, String env, String value, String comment) {
    }

    public static List<Key> keys(String yaml) {
        List<Key> keys = new ArrayList<>();
        Deque<int[]> indents = new ArrayDeque<>(); // indentation of each open parent
        Deque<String> parents = new ArrayDeque<>();
        int lastIndent = 0;
        for (String line : yaml.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher c = CONTINUATION.matcher(line);
            if (c.matches()) {
                // indented past the keys: it continues the previous key's comment; at a key's
                // indentation it heads the keys below (not shown)
                if (!keys.isEmpty() && c.group(1).length() > lastIndent + 4) {
                    Key last = keys.remove(keys.size() - 1);
                    keys.add(new Key(last.key(), last.env(), last.value(), (last.comment() + " " + c.group(2)).trim()));
                }
                continue;
            }
            Matcher m = ENTRY.matcher(line);
            if (!m.matches()) {
                continue; // a list item of a block list: part of its key's value
            }
            int indent = m.group(1).length();
            lastIndent = indent;
            while (!indents.isEmpty() && indents.peek()[0] >= indent) {
                indents.pop();
                parents.pop();
            }
            String name = parents.isEmpty() ? m.group(2) : parents.peek() + "." + m.group(2);
            String value = m.group(3);
            String comment = m.group(4) == null ? "" : m.group(4).trim();
            if (value.isEmpty()) {
                indents.push(new int[]{indent});
                parents.push(name);
                if (!comment.isEmpty()) {
                    keys.add(new Key(name, "", "", comment)); // a section's own comment
                }
            } else {
                keys.add(new Key(name, Settings.envName(name), value, comment));
            }
        }
        return keys;
    }

    public static String render(String yaml) {
        StringBuilder b = new StringBuilder();
        for (Key k : keys(yaml)) {
            if (k.env().isEmpty()) {
                b.append('\n').append(k.key()).append(": ").append(k.comment()).append('\n');
            } else {
                b.append(String.format("  %-34s %-44s %s%n", k.key(), k.env(), k.value()));
                if (!k.comment().isEmpty()) {
                    b.append("      ").append(k.comment()).append('\n');
                }
            }
        }
        return b.toString();
    }
}
