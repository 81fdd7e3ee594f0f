export { Simulation, SimulationOptions, SimulationTimings, ServicePrediction, LoadTestPrediction } from './simulation';
