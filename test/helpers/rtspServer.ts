// The camera tests' IP camera lives in the simulator (benchmarks and developers use it too).
export * from '../../simulator/ipCamera';
