package io.github.astreg.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@link ContactList} against the {@code TreeMap} it replaced: the same lookups, the same order,
 * the same removals through the iterator, below and above the size where it switches from a linear
 * scan to bisection.
 */
class ContactListProperties {
    /** A URI to add (positive) or, through the iterator, to remove (negative) when present. */
    @Provide
    Arbitrary<List<Integer>> ops() {
        return Arbitraries.integers().between(-30, 30).list().ofMaxSize(80);
    }

    private static String uri(int n) {
        // a shared prefix makes comparisons look past it; ids below 10 sort after two-digit ones
        return "sip:" + Math.abs(n) + "@10.0.0." + (Math.abs(n) % 3) + ":5060";
    }

    @Property
    void behavesLikeASortedMap(@ForAll("ops") List<Integer> ops) {
        ContactList list = new ContactList();
        TreeMap<String, ContactEntry> model = new TreeMap<>();
        for (int op : ops) {
            // a new String each time: lookups must not depend on identity
            String u = new String(uri(op));
            if (op >= 0) {
                if (!model.containsKey(u)) {
                    ContactEntry c = new ContactEntry(u, 4);
                    model.put(u, c);
                    list.add(c);
                }
            } else {
                model.remove(u);
                for (Iterator<ContactEntry> it = list.iterator(); it.hasNext(); ) {
                    if (it.next().uri.equals(u)) {
                        it.remove();
                    }
                }
            }
            List<ContactEntry> seen = new ArrayList<>();
            list.forEach(seen::add);
            assertThat(seen).containsExactlyElementsOf(model.values());
            assertThat(list.size()).isEqualTo(model.size());
            assertThat(list.isEmpty()).isEqualTo(model.isEmpty());
            for (int probe = 0; probe <= 30; probe++) {
                assertThat(list.get(new String(uri(probe)))).isSameAs(model.get(uri(probe)));
            }
        }
    }

    @Example
    void refusesADuplicateAndAnIteratorMisuse() {
        ContactList list = new ContactList();
        list.add(new ContactEntry("sip:a@h", 4));
        assertThatThrownBy(() -> list.add(new ContactEntry("sip:a@h", 4)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sip:a@h");
        Iterator<ContactEntry> it = list.iterator();
        assertThatThrownBy(it::remove).isInstanceOf(IllegalStateException.class);
        it.next();
        it.remove();
        assertThatThrownBy(it::remove).isInstanceOf(IllegalStateException.class);
        assertThat(list.isEmpty()).isTrue();
        assertThat(list.allRemoved()).isTrue();
    }
}
