/**
 * Modbus TCP through j2mod: {@link org.safeloop.plc.modbus.ModbusAddress} and {@link
 * org.safeloop.plc.modbus.ModbusOptions} for plant files, the "modbus" {@link
 * org.safeloop.plc.PlcConnectionProvider}, and {@link org.safeloop.plc.modbus.PlantModbusSlave}, an
 * embedded slave for the virtual plant and tests.
 */
package org.safeloop.plc.modbus;
