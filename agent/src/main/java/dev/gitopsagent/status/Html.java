package dev.gitopsagent.status;

/**
 * The one escaping rule of the status page: every value that did not come from this source file
 * (commit subjects, signer names, refusal reasons, remote error messages, configuration) goes through
 * {@link #text} before it is appended, in element content and in quoted attributes alike.
 */
final class Html {

    private final StringBuilder out = new StringBuilder(16 * 1024);

    /** Escapes {@code & < > " '}, which is enough for element content and double- or single-quoted attribute values. */
    static String escape(String value) {
        if (value == null) {
            return "";
        }
        StringBuilder escaped = new StringBuilder(value.length() + 16);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '&' -> escaped.append("&amp;");
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&#39;");
                default -> escaped.append(c);
            }
        }
        return escaped.toString();
    }

    /** Markup written in this code base; never pass data here. */
    Html raw(String markup) {
        out.append(markup);
        return this;
    }

    /** Data: escaped. */
    Html text(String value) {
        out.append(escape(value));
        return this;
    }

    /** {@code <tag class="css">value</tag>} with the value escaped. */
    Html element(String tag, String css, String value) {
        out.append('<').append(tag).append(" class=\"").append(css).append("\">").append(escape(value)).append("</").append(tag)
                .append('>');
        return this;
    }

    boolean endsWith(String markup) {
        int from = out.length() - markup.length();
        return from >= 0 && out.indexOf(markup, from) == from;
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
