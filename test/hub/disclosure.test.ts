import { strict as assert } from 'node:assert';
import type { CloudHealth } from '../../common/api/system';
import { DEVICE_ROLES, FOOTAGE_ROLES } from '../../common/roles';
import { dashboardCloudFor, deviceViewFor, isKnown, knownCameras, MAY_KNOW, mayKnow, notificationPrefsFor } from '../../hub/disclosure';

/* What each role may learn (common/disclosure.ts) and the response filters that apply it, without a hub. */

const cloud: CloudHealth = { state: 'offline', since: 1000, target: 's3://bucket', lastError: 'no route to host', lastUploadAt: 900, pending: 4, oldestPendingAt: 950, heartbeatAt: 1100 };
const view = { id: 'a', name: 'porch', createdAt: 1, lastSeenAt: 2, revoked: false, tokenIssuedAt: 1, online: true, live: true, health: null };

describe('disclosure: what each role may learn', () => {
  it('keeps the household life (arming, schedules, presence) to owners and members', () => {
    for (const kind of ['arming', 'schedules', 'presence'] as const) assert.deepEqual([...MAY_KNOW[kind]].sort(), ['member', 'owner'], kind);
    assert.equal(mayKnow('installer', 'footage'), false);
    assert.equal(mayKnow('installer', 'watching'), false);
    assert.equal(mayKnow('installer', 'cameras'), true, 'the installer manages every camera');
    assert.equal(mayKnow('viewer', 'footage'), true);
    assert.equal(mayKnow('member', 'system'), false);
  });

  it('agrees with the role lists the route table uses for footage, device management and system status', () => {
    assert.deepEqual(MAY_KNOW.footage, FOOTAGE_ROLES);
    assert.deepEqual(MAY_KNOW.cameraSettings, DEVICE_ROLES);
    assert.deepEqual(MAY_KNOW.system, DEVICE_ROLES);
  });

  it('lets a viewer know only its granted cameras, everyone else every camera', () => {
    assert.deepEqual(knownCameras('viewer', ['a']), ['a']);
    assert.equal(knownCameras('installer', []), 'all');
    assert.equal(knownCameras('member', []), 'all');
    assert.equal(isKnown(['a'], 'b'), false);
    assert.equal(isKnown('all', 'b'), true);
  });

  it('tells the installer nothing of someone watching live', () => {
    assert.equal('live' in deviceViewFor('installer', view), false);
    assert.equal(deviceViewFor('viewer', view).live, true);
    assert.equal(deviceViewFor('owner', view).live, true);
  });

  it('gives a viewer only whether the cloud backup works, members no error, owners and installers why it fails', () => {
    assert.deepEqual(dashboardCloudFor('viewer', cloud), { state: 'offline', since: 1000 });
    assert.deepEqual(dashboardCloudFor('member', cloud), { state: 'offline', since: 1000, lastUploadAt: 900, pending: 4, oldestPendingAt: 950 });
    assert.equal(dashboardCloudFor('owner', cloud).lastError, 'no route to host');
    assert.equal(dashboardCloudFor('installer', cloud).lastError, 'no route to host');
  });

  it("narrows a demoted member's notification choices to the cameras it may still know", () => {
    const prefs = { motion: 'all' as const, arming: true, cameras: ['a', 'b'] };
    assert.deepEqual(notificationPrefsFor(prefs, ['a']).cameras, ['a']);
    assert.deepEqual(notificationPrefsFor(prefs, 'all').cameras, ['a', 'b']);
    assert.equal(notificationPrefsFor({ ...prefs, cameras: 'all' }, ['a']).cameras, 'all');
  });
});
