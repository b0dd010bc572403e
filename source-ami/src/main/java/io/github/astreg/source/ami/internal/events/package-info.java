/**
 * Event and action classes registered with asterisk-java for AMI frames it drops or misreads
 * (DeviceStateList items and its Complete, ExtensionStateListComplete, AorList, ContactList with a
 * status that knows {@code Removed}). Not API.
 */
package io.github.astreg.source.ami.internal.events;
