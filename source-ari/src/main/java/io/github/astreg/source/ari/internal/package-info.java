/**
 * Not API: the ARI source's REST client, websocket client, TLS trust, timestamp and contact-URI
 * parsing, version negotiation and contact memory. Other modules must not use it.
 */
package io.github.astreg.source.ari.internal;
