package dev.gitopsagent.git;

import java.io.IOException;

/**
 * A received pack that is not a well-formed pack: a bad header or checksum, an entry that does not
 * inflate to its declared size, a delta that does not apply or whose base the pack does not hold, an
 * object sent twice. Nothing of the fetch is kept.
 */
final class CorruptPackException extends IOException {

    private static final long serialVersionUID = 1L;

    CorruptPackException(String message) {
        super(message);
    }
}
