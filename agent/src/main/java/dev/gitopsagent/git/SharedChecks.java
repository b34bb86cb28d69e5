package dev.gitopsagent.git;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.lib.AnyObjectId;
import org.eclipse.jgit.lib.BlobObjectChecker;
import org.eclipse.jgit.lib.ObjectChecker;

/**
 * Object checks that several threads can run at once: each thread takes a checker of its own, and what
 * the checkers note adds up in one place. JGit's {@link ObjectChecker} keeps scratch state, so one
 * instance must not check on two threads at once.
 */
interface SharedChecks {

    /** A checker for one thread. */
    ObjectChecker newChecker();

    /**
     * The checks of {@code checker}: its own per-thread checkers where it offers them, else itself, one
     * check at a time. With no checker, each thread gets JGit's default checks: a parser of ours never
     * stores an object unchecked.
     */
    static SharedChecks of(ObjectChecker checker) {
        if (checker instanceof SharedChecks shared) {
            return shared;
        }
        if (checker == null) {
            return ObjectChecker::new;
        }
        ObjectChecker serialized = new ObjectChecker() {
            @Override
            public void check(AnyObjectId id, int type, byte[] raw) throws CorruptObjectException {
                synchronized (checker) {
                    checker.check(id, type, raw);
                }
            }

            @Override
            public BlobObjectChecker newBlobObjectChecker() {
                synchronized (checker) {
                    return checker.newBlobObjectChecker();
                }
            }
        };
        return () -> serialized;
    }
}
