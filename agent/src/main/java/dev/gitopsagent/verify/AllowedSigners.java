package dev.gitopsagent.verify;

import java.security.PublicKey;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * An SSH {@code allowed_signers} file (ssh-keygen(1), "ALLOWED SIGNERS"), parsed by the agent
 * itself so that the same code reads the host's file and a signer policy in the repository: lines
 * {@code principals [options] keytype base64-key [comment]} with the options {@code cert-authority},
 * {@code namespaces="..."}, {@code valid-after="..."} and {@code valid-before="..."}.
 */
public final class AllowedSigners {

    /** One line: who (principal patterns), which key (or CA key), and the limits on it. */
    record Line(int number, String principals, List<String> patterns, boolean certAuthority, Optional<List<String>> namespaces,
            Optional<Instant> validAfter, Optional<Instant> validBefore, String keyBlob, String keyFingerprint) {

        boolean allowsNamespace(String namespace) {
            return namespaces.isEmpty() || Patterns.matchesList(namespace, namespaces.get());
        }
    }

    /** A line that does not parse; {@code line} is 1-based. */
    public static final class MalformedLineException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int line;

        MalformedLineException(int line, String message) {
            super("line " + line + ": " + message);
            this.line = line;
        }

        public int line() {
            return line;
        }
    }

    private static final AllowedSigners EMPTY = new AllowedSigners(List.of());

    private final List<Line> lines;
    /** Lines by the base64 of their key blob: a signature names its key by the same bytes. */
    private final Map<String, List<Line>> byKeyBlob = new HashMap<>();

    private AllowedSigners(List<Line> lines) {
        this.lines = List.copyOf(lines);
        for (Line line : lines) {
            byKeyBlob.computeIfAbsent(line.keyBlob(), k -> new ArrayList<>()).add(line);
        }
    }

    public static AllowedSigners empty() {
        return EMPTY;
    }

    public static AllowedSigners parse(String content) throws MalformedLineException {
        List<Line> lines = new ArrayList<>();
        String[] raw = content.split("\n", -1);
        for (int i = 0; i < raw.length; i++) {
            String text = raw[i].strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            lines.add(parseLine(i + 1, text));
        }
        return new AllowedSigners(lines);
    }

    boolean isEmpty() {
        return lines.isEmpty();
    }

    /** Lines naming exactly this key (for a plain key) or this CA key (for a certificate). */
    List<Line> linesFor(byte[] keyBlob) {
        return byKeyBlob.getOrDefault(Base64.getEncoder().encodeToString(keyBlob), List.of());
    }

    /** "ssh principals fingerprint" of every line, for status. */
    List<String> describe() {
        List<String> out = new ArrayList<>();
        for (Line line : lines) {
            out.add("ssh " + (line.certAuthority() ? "certificates of CA " : "") + line.principals() + " " + line.keyFingerprint());
        }
        return out;
    }

    private static Line parseLine(int number, String text) throws MalformedLineException {
        List<String> tokens = tokens(number, text);
        if (tokens.size() < 3) {
            throw new MalformedLineException(number, "expected principals, optional options, key type and key");
        }
        String principals = unquote(tokens.get(0));
        int next = 1;
        String options = "";
        if (!isKeyType(tokens.get(1))) {
            options = tokens.get(1);
            next = 2;
        }
        if (tokens.size() < next + 2 || !isKeyType(tokens.get(next))) {
            throw new MalformedLineException(number, "no key type (ssh-ed25519, ecdsa-sha2-..., ssh-rsa, sk-...) where one is expected");
        }
        String keyType = tokens.get(next);
        PublicKey key;
        try {
            byte[] blob = Base64.getDecoder().decode(tokens.get(next + 1));
            ByteArrayBuffer buffer = new ByteArrayBuffer(blob);
            String declared = buffer.getString();
            if (!declared.equals(keyType)) {
                throw new MalformedLineException(number, "key type " + keyType + " does not match the key's own type " + declared);
            }
            key = new ByteArrayBuffer(blob).getRawPublicKey();
        } catch (MalformedLineException e) {
            throw e;
        } catch (RuntimeException | java.io.IOException e) {
            throw new MalformedLineException(number, "unreadable " + keyType + " key: " + e.getMessage());
        }
        boolean certAuthority = false;
        Optional<List<String>> namespaces = Optional.empty();
        Optional<Instant> validAfter = Optional.empty();
        Optional<Instant> validBefore = Optional.empty();
        for (String option : splitOptions(number, options)) {
            int eq = option.indexOf('=');
            String name = (eq < 0 ? option : option.substring(0, eq)).toLowerCase(Locale.ROOT);
            String value = eq < 0 ? null : unquote(option.substring(eq + 1));
            switch (name) {
                case "cert-authority" -> certAuthority = true;
                case "namespaces" -> namespaces = Optional.of(List.of(required(number, name, value).split(",")));
                case "valid-after" -> validAfter = Optional.of(time(number, name, required(number, name, value)));
                case "valid-before" -> validBefore = Optional.of(time(number, name, required(number, name, value)));
                default -> throw new MalformedLineException(number, "unknown option " + name);
            }
        }
        List<String> patterns = List.of(principals.split(","));
        return new Line(number, principals, patterns, certAuthority, namespaces, validAfter, validBefore,
                Base64.getEncoder().encodeToString(Base64.getDecoder().decode(tokens.get(next + 1))), KeyUtils.getFingerPrint(key));
    }

    private static boolean isKeyType(String token) {
        return token.startsWith("ssh-") || token.startsWith("ecdsa-sha2-") || token.startsWith("sk-");
    }

    private static String required(int number, String name, String value) throws MalformedLineException {
        if (value == null || value.isEmpty()) {
            throw new MalformedLineException(number, "option " + name + " needs a value");
        }
        return value;
    }

    /** YYYYMMDD[HHMM[SS]] with an optional Z for UTC; local time otherwise, as ssh-keygen reads it. */
    private static Instant time(int number, String name, String value) throws MalformedLineException {
        boolean utc = value.endsWith("Z") || value.endsWith("z");
        String digits = utc ? value.substring(0, value.length() - 1) : value;
        ZoneId zone = utc ? ZoneOffset.UTC : ZoneId.systemDefault();
        try {
            if (!digits.chars().allMatch(Character::isDigit)) {
                throw new DateTimeParseException("not digits", digits, 0);
            }
            return switch (digits.length()) {
                case 8 -> LocalDate.parse(digits, java.time.format.DateTimeFormatter.BASIC_ISO_DATE).atStartOfDay(zone).toInstant();
                case 12 -> LocalDateTime.parse(digits, java.time.format.DateTimeFormatter.ofPattern("yyyyMMddHHmm")).atZone(zone).toInstant();
                case 14 -> LocalDateTime.parse(digits, java.time.format.DateTimeFormatter.ofPattern("yyyyMMddHHmmss")).atZone(zone).toInstant();
                default -> throw new DateTimeParseException("length", digits, 0);
            };
        } catch (DateTimeParseException e) {
            throw new MalformedLineException(number, name + "=\"" + value + "\" is not YYYYMMDD[HHMM[SS]][Z]");
        }
    }

    /** Whitespace-separated tokens; double quotes group (and may appear inside an options token). */
    private static List<String> tokens(int number, String text) throws MalformedLineException {
        List<String> tokens = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                quoted = !quoted;
                current.append(c);
            } else if (!quoted && (c == ' ' || c == '\t')) {
                if (!current.isEmpty()) {
                    tokens.add(current.toString());
                    current.setLength(0);
                }
            } else {
                current.append(c);
            }
        }
        if (quoted) {
            throw new MalformedLineException(number, "unterminated quote");
        }
        if (!current.isEmpty()) {
            tokens.add(current.toString());
        }
        return tokens;
    }

    private static List<String> splitOptions(int number, String options) throws MalformedLineException {
        List<String> out = new ArrayList<>();
        if (options.isEmpty()) {
            return out;
        }
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (char c : options.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ',' && !quoted) {
                out.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        out.add(current.toString());
        for (String option : out) {
            if (option.isEmpty()) {
                throw new MalformedLineException(number, "empty option in \"" + options + "\"");
            }
        }
        return out;
    }

    private static String unquote(String value) {
        return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"") ? value.substring(1, value.length() - 1) : value;
    }
}
