import { App } from 'cdk8s';
import { CalculatorChart } from './calculator';
import { TodoApiChart } from './todoapi';

/**
 * Every example app: its name (the folder under the synth output) and how to build its charts into an App.
 * `main.ts` synthesizes them all; the tests validate and snapshot each one.
 */
export const APPS: { [name: string]: (app: App) => void } = {
  calculator: app => { new CalculatorChart(app, 'calculator'); },
  todoapi: app => { new TodoApiChart(app, 'todoapi'); },
};
