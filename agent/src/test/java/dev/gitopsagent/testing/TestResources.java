package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Text files under src/test/resources. */
public final class TestResources {

    private TestResources() {
    }

    /** The resource at {@code name} (absolute, e.g. {@code /real-host/make-rootfs}) as UTF-8 text. */
    public static String text(String name) {
        try (InputStream in = TestResources.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
