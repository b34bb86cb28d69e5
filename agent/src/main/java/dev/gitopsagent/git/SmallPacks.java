package dev.gitopsagent.git;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.eclipse.jgit.internal.storage.file.ObjectDirectory;
import org.eclipse.jgit.internal.storage.file.Pack;
import org.eclipse.jgit.internal.storage.file.PackIndex;
import org.eclipse.jgit.internal.storage.file.PackInserter;
import org.eclipse.jgit.internal.storage.pack.PackExt;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.jboss.logging.Logger;

/**
 * Keeps the number of pack files in the mirror bounded. Every fetch adds one pack. JGit's own
 * automatic gc (at 50 packs) rewrites the whole repository: on 280,000 objects that took 8 minutes of
 * CPU in a 64 MiB heap and then failed, on every fetch from then on. So that gc is off, and instead the
 * packs other than the largest (the first sync's) are merged into one once there are more than
 * {@link #MAX} of them, as {@code git repack -d} does: the work and memory are those of the objects
 * fetched since the last merge, never the whole history.
 */
final class SmallPacks {

    private static final Logger LOG = Logger.getLogger(SmallPacks.class);

    /** Packs besides the largest that may pile up before they are merged. */
    static final int MAX = 16;

    private SmallPacks() {
    }

    /** Merges the small packs when there are more than {@link #MAX}; returns how many were merged (0 when none). */
    static int mergeIfMany(Repository repository) throws IOException {
        if (!(repository.getObjectDatabase() instanceof ObjectDirectory objects)) {
            return 0;
        }
        List<Pack> packs = new ArrayList<>(objects.getPacks());
        packs.removeIf(Pack::shouldBeKept);
        if (packs.size() <= MAX + 1) {
            return 0;
        }
        packs.sort(Comparator.comparingLong((Pack pack) -> pack.getPackFile().length()).reversed());
        List<Pack> small = packs.subList(1, packs.size());
        Set<ObjectId> ids = new LinkedHashSet<>();
        for (Pack pack : small) {
            for (PackIndex.MutableEntry entry : pack) {
                ids.add(entry.toObjectId());
            }
        }
        // Every object is written into the new pack, and the pack is in place, before any old one goes.
        try (PackInserter inserter = objects.newPackInserter(); ObjectReader reader = repository.newObjectReader()) {
            inserter.checkExisting(false);
            for (ObjectId id : ids) {
                ObjectLoader loader = reader.open(id);
                try (InputStream in = loader.openStream()) {
                    inserter.insert(loader.getType(), loader.getSize(), in);
                }
            }
            inserter.flush();
        }
        for (Pack pack : small) {
            pack.close();
            // The index first: a pack file without one is ignored, an index without its pack is an error.
            pack.getPackFile().create(PackExt.INDEX).delete();
            for (PackExt ext : PackExt.values()) {
                if (ext != PackExt.INDEX) {
                    pack.getPackFile().create(ext).delete();
                }
            }
        }
        LOG.infof("merged %d small pack files (%d objects) into one", small.size(), ids.size());
        return small.size();
    }
}
