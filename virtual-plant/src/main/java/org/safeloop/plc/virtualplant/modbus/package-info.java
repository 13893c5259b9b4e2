/**
 * The virtual plant's Modbus TCP slave on j2mod ({@link
 * org.safeloop.plc.virtualplant.modbus.PlantModbusSlave}), with exception 2 for registers outside
 * its tables. Also the slave the bridge's Modbus client is tested against.
 */
package org.safeloop.plc.virtualplant.modbus;
