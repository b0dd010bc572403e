/** Optional JUnit 5 glue for the fakes; requires junit-jupiter-api on the class path. */
package io.github.astreg.testkit.junit;
