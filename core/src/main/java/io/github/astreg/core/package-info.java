/**
 * astreg core: the exception root. The canonical model is in {@code model}, the read side in
 * {@code registry}, the source and sink contracts in {@code spi}, the wiring in {@code pipeline}
 * and the JSON form in {@code json}. Packages named {@code internal} are not API.
 *
 * <p>Nullness: no public method of astreg accepts or returns {@code null}; optional values are
 * {@link java.util.Optional} and absent collections are empty.
 */
package io.github.astreg.core;
