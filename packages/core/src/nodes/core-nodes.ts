import { delayNode } from './core-delay';
import { forEachNode } from './core-for-each';
import { ifNode } from './core-if';
import { manualTrigger } from './core-manual';
import { mergeNode } from './core-merge';
import { setVariablesNode } from './core-set-variables';
import { subWorkflowNode } from './core-sub-workflow';
import { switchNode } from './core-switch';
import { terminateNode } from './core-terminate';
import { waitForEventNode } from './core-wait-for-event';
import { respondNode } from '../triggers/respond-node';
import { eventTrigger, scheduleTrigger } from '../triggers/schedule-trigger';
import { webhookTrigger } from '../triggers/webhook-trigger';

/** The control-flow and trigger node types every registry starts with. */
export const coreNodes = [
  manualTrigger,
  ifNode,
  switchNode,
  mergeNode,
  forEachNode,
  delayNode,
  waitForEventNode,
  subWorkflowNode,
  terminateNode,
  setVariablesNode,
  webhookTrigger,
  scheduleTrigger,
  eventTrigger,
  respondNode,
] as const;
