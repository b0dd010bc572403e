package io.github.astreg.core.registry;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The contacts of one endpoint on one node, keyed by URI and ordered by it. Guarded by the registry's
 * lock.
 *
 * <p>A sorted array rather than a map: nearly every endpoint has one or two contacts, and an apply
 * then finds its contact in the array it already reads, without the tree nodes and key comparisons a
 * {@code TreeMap} would add to every observation over entries that do not fit in a CPU cache. Long
 * lists (an endpoint with many registrations) are searched by bisection.
 */
final class ContactList implements Iterable<ContactEntry> {
    private static final ContactEntry[] NONE = new ContactEntry[0];
    /** Up to this many contacts a linear scan with an identity check beats bisection. */
    private static final int LINEAR = 8;

    private ContactEntry[] entries = NONE;
    private int size;

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** The contact with this URI, or null. */
    ContactEntry get(String uri) {
        if (size <= LINEAR) {
            for (int i = 0; i < size; i++) {
                String u = entries[i].uri;
                if (u == uri || u.equals(uri)) {
                    return entries[i];
                }
            }
            return null;
        }
        int i = indexOf(uri);
        return i >= 0 ? entries[i] : null;
    }

    /** Adds a contact whose URI is not in the list yet. */
    void add(ContactEntry c) {
        int pos = indexOf(c.uri);
        if (pos >= 0) {
            throw new IllegalStateException("contact already present: " + c.uri);
        }
        pos = -pos - 1;
        if (size == entries.length) {
            entries = Arrays.copyOf(entries, Math.max(2, size * 2));
        }
        System.arraycopy(entries, pos, entries, pos + 1, size - pos);
        entries[pos] = c;
        size++;
    }

    /** Bisection by URI: the index, or {@code -(insertion point) - 1}. */
    private int indexOf(String uri) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = entries[mid].uri.compareTo(uri);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    private void removeAt(int i) {
        System.arraycopy(entries, i + 1, entries, i, size - i - 1);
        entries[--size] = null;
    }

    /** In URI order; {@link Iterator#remove()} removes the contact last returned. */
    @Override
    public Iterator<ContactEntry> iterator() {
        return new Iterator<>() {
            private int next;
            private int last = -1;

            @Override
            public boolean hasNext() {
                return next < size;
            }

            @Override
            public ContactEntry next() {
                if (next >= size) {
                    throw new NoSuchElementException();
                }
                last = next++;
                return entries[last];
            }

            @Override
            public void remove() {
                if (last < 0) {
                    throw new IllegalStateException();
                }
                removeAt(last);
                next = last;
                last = -1;
            }
        };
    }

    boolean allRemoved() {
        for (int i = 0; i < size; i++) {
            if (!entries[i].isRemoved()) {
                return false;
            }
        }
        return true;
    }
}
