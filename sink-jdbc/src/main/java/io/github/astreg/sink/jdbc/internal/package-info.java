/** Implementation of the JDBC sink; not API, may change without notice. */
package io.github.astreg.sink.jdbc.internal;
