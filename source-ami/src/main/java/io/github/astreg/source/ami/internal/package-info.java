/**
 * Implementation of the AMI source: mapping of AMI frames to canonical changes, the asterisk-java
 * connection and its counting socket, clock-offset estimation. Not API: nothing outside this module
 * may use it.
 */
package io.github.astreg.source.ami.internal;
