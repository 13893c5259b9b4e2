/**
 * The virtual plant's OPC UA server on Eclipse Milo ({@link
 * org.safeloop.plc.virtualplant.opcua.PlantOpcUaServer}): an HMI-ready address space of the plant's
 * tags, with the security policies a client may ask for. Also the server the bridge's OPC UA client
 * is tested against.
 */
package org.safeloop.plc.virtualplant.opcua;
