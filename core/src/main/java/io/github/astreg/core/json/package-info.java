/** The canonical, documented JSON form of events and records: {@link io.github.astreg.core.json.EventJson}. */
package io.github.astreg.core.json;
