package dev.gitopsagent.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The state file, {@code <state-dir>/state.json}. A write goes to a temporary file that is
 * flushed to disk and then renamed over the old one, so a crash or a full disk leaves either the
 * old state or the new one, never a torn file. Changes are serialised, so the reconcile thread and
 * the control API never lose each other's updates.
 */
public final class StateStore {

    private final Path file;
    private volatile AgentState current;
    private final ObjectMapper json = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public StateStore(Path stateDir) throws IOException {
        this.file = stateDir.resolve("state.json");
        this.current = load();
    }

    public AgentState current() {
        return current;
    }

    /** Applies {@code change} to the current state and returns the result once it is on disk. */
    public synchronized AgentState update(UnaryOperator<AgentState> change) throws IOException {
        AgentState next = change.apply(current);
        save(next);
        current = next;
        return next;
    }

    public Path file() {
        return file;
    }

    private AgentState load() throws IOException {
        if (!Files.exists(file)) {
            return AgentState.EMPTY;
        }
        try {
            return json.readValue(file.toFile(), AgentState.class);
        } catch (IOException e) {
            throw new IOException("state file " + file + " cannot be read (" + e.getMessage()
                    + "); move it aside to start over: the agent then re-reads the deployed commit from the running system", e);
        }
    }

    private void save(AgentState state) throws IOException {
        Files.createDirectories(file.getParent());
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        byte[] bytes = json.writeValueAsBytes(state);
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(temporary);
            throw new IOException("cannot write state file " + temporary + " (" + reason(e) + "); " + file + " is as it was", e);
        }
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        }
        syncDirectory(file.getParent());
    }

    /** An interrupted write (the agent stopping mid-reconcile) says so; the JDK's exception has no message. */
    private static String reason(IOException e) {
        if (e instanceof ClosedByInterruptException) {
            return "interrupted: the agent is stopping";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** Makes the rename itself durable. */
    private static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException ignored) {
            // Some file systems refuse to open directories; the rename is still atomic there.
        }
    }
}
