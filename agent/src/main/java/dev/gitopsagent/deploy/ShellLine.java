package dev.gitopsagent.deploy;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A command line as an operator can paste it into a POSIX shell: the dry-run and the logs show
 * commands whose flake references contain {@code ?}, {@code &} and {@code #}, which a shell would
 * otherwise split, background or cut off as a comment.
 */
public final class ShellLine {

    /**
     * Words made only of these need no quotes. {@code $} is among them so that the dry-run's
     * {@code $toplevel} placeholder still expands when its lines are pasted one after the other.
     */
    private static final Pattern BARE = Pattern.compile("[A-Za-z0-9_@%+=:,./$-]+");

    private ShellLine() {
    }

    public static String of(List<String> words) {
        return words.stream().map(ShellLine::word).collect(Collectors.joining(" "));
    }

    static String word(String word) {
        if (BARE.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
