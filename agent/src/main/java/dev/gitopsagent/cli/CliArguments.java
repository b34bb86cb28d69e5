package dev.gitopsagent.cli;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed command line: {@code <command> [options]}. Options may come in any order after the command,
 * as {@code --name value} or {@code --name=value}; an option the command does not take is an error
 * rather than silently ignored, so {@code status --reason x} is caught.
 */
public record CliArguments(
        Command command,
        boolean json,
        Optional<String> url,
        Optional<Path> tokenFile,
        Optional<String> reason,
        boolean resumeOnNewCommit) {

    private static final Set<String> COMMON = Set.of("--url", "--token-file", "--json", "--help", "-h");

    public static CliArguments parse(String... args) throws UsageException {
        if (args.length == 0) {
            throw new UsageException("no command given");
        }
        Command command = Command.named(args[0])
                .orElseThrow(() -> new UsageException("unknown command '" + args[0] + "'"));
        boolean json = false;
        boolean help = command == Command.HELP;
        boolean resumeOnNewCommit = false;
        String url = null;
        String tokenFile = null;
        String reason = null;
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String inlineValue = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                name = arg.substring(0, equals);
                inlineValue = arg.substring(equals + 1);
            }
            if (!accepts(command, name)) {
                throw new UsageException(arg.startsWith("-")
                        ? command.word() + " does not take the option " + name
                        : command.word() + " takes no argument '" + arg + "'");
            }
            boolean takesValue = name.equals("--url") || name.equals("--token-file") || name.equals("--reason");
            if (!takesValue && inlineValue != null) {
                throw new UsageException(name + " takes no value");
            }
            String value = null;
            if (takesValue) {
                if (inlineValue != null) {
                    value = inlineValue;
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new UsageException(name + " needs a value");
                }
                if (value.isEmpty() && !name.equals("--reason")) {
                    throw new UsageException(name + " needs a non-empty value");
                }
            }
            switch (name) {
                case "--json" -> json = true;
                case "--help", "-h" -> help = true;
                case "--url" -> url = value;
                case "--token-file" -> tokenFile = value;
                case "--reason" -> reason = value;
                case "--resume-on-new-commit" -> resumeOnNewCommit = true;
                default -> throw new IllegalStateException("accepted but unhandled option " + name);
            }
        }
        return new CliArguments(help ? Command.HELP : command, json, Optional.ofNullable(url),
                Optional.ofNullable(tokenFile).map(Path::of), Optional.ofNullable(reason), resumeOnNewCommit);
    }

    private static boolean accepts(Command command, String option) {
        if (COMMON.contains(option)) {
            return true;
        }
        return (command == Command.SUSPEND && option.equals("--reason"))
                || (command == Command.ROLLBACK && option.equals("--resume-on-new-commit"));
    }
}
