.class public Lcn/jpush/android/service/PushService;
.super Ljava/lang/Object;
.source "PushService.java"
