package dev.gitopsagent.git;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Optional;

import org.eclipse.jgit.transport.PackParser;
import org.jboss.logging.Logger;

/**
 * Turns off JGit's check of each received object against the objects already stored, for a pack parsed
 * into an object store that holds none ({@link BoundedRepository#holdsNoObjects()}): there is nothing to
 * collide with. Every object received is still hashed (with SHA-1 collision detection) and checked.
 *
 * <p>Why: the check looks each object up, and JGit turns every miss on a commit or tree into an exception
 * with a formatted message, after searching the file system for a loose copy. On a 280,000-object first
 * sync of the full history that was about 1.5 s of CPU, 6 to 8 % of the agent's, and about 15 % of JGit's
 * pack parser alone (README.md, Benchmarks). Git's index-pack makes the same lookup at the price of a
 * hash-table miss.
 *
 * <p>JGit offers the switch only to its own parsers, as a protected setter, so it is called reflectively
 * (declared for the native image in {@link NativeReflection}). Should a JGit release rename it, the checks
 * stay on, which costs time and nothing else, and a warning says so once.
 */
final class CollisionChecks {

    private static final Logger LOG = Logger.getLogger(CollisionChecks.class);
    private static final Optional<Method> SETTER = setter();

    private CollisionChecks() {
    }

    /** Turns the checks off for {@code parser}, whose object store holds no objects. */
    static void skip(PackParser parser) {
        SETTER.ifPresent(setter -> {
            try {
                setter.invoke(parser, false);
            } catch (IllegalAccessException | InvocationTargetException e) {
                // Made accessible above, and the setter only assigns a field.
                throw new IllegalStateException(e);
            }
        });
    }

    private static Optional<Method> setter() {
        try {
            Method setter = PackParser.class.getDeclaredMethod("setCheckObjectCollisions", boolean.class);
            setter.setAccessible(true);
            return Optional.of(setter);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warnf("cannot turn off JGit's collision check for first syncs (%s); they stay correct, only slower", e);
            return Optional.empty();
        }
    }
}
